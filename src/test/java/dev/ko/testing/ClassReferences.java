package dev.ko.testing;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes of one package tree that a compiled class refers to, read from its constant pool.
 * Every name in a class file is a constant pool entry: class entries (calls, field accesses, class
 * literals, casts, super types, nested and enclosing classes, lambda targets) hold internal names,
 * and UTF-8 entries hold the descriptors and generic signatures of fields, methods, record
 * components, local variables, lambda method types and annotation types. So the pool alone misses
 * nothing that is in the class file. Not in it, so out of any class file reader's sight: constants
 * javac inlined, and annotations with source retention. A string literal that spells a descriptor
 * ({@code "Ldev/ko/x/Y;"}) counts as a reference, as it is one in all but name.
 */
public final class ClassReferences {
  private ClassReferences() {}

  /** A class's binary name ({@code a.b.C$D}) and those of the classes it refers to. */
  public record Result(String name, Set<String> references) {}

  /**
   * Reads the class file {@code bytes}, keeping references into {@code packageTree} (a package
   * name, {@code "dev.ko"}: the package and those under it).
   */
  public static Result read(byte[] bytes, String packageTree) throws IOException {
    String prefix = packageTree.replace('.', '/') + "/";
    // A class type in a descriptor or signature: Lpkg/Name; or Lpkg/Name<...>;
    Pattern classType = Pattern.compile("L(" + Pattern.quote(prefix) + "[^;<]+)[;<]");
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor version
    in.readUnsignedShort(); // major version
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] className = new int[count]; // for a Class entry, its name's index; else 0
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF(); // the class file's modified UTF-8 is DataInput's
        case 7 -> className[i] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.readUnsignedShort(); // String, MethodType, Module, Package
        case 15 -> in.skipNBytes(3); // MethodHandle
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt(); // Integer, Float, member refs, ...
        case 5, 6 -> { // Long and Double take two slots
          in.readLong();
          i++;
        }
        default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
      }
    }
    in.readUnsignedShort(); // access flags
    String self = binaryName(utf8[className[in.readUnsignedShort()]]);
    Set<String> refs = new TreeSet<>();
    for (int i = 1; i < count; i++) {
      if (utf8[i] != null) {
        for (Matcher m = classType.matcher(utf8[i]); m.find(); ) {
          refs.add(binaryName(m.group(1)));
        }
      } else if (className[i] != 0 && utf8[className[i]].startsWith(prefix)) {
        refs.add(binaryName(utf8[className[i]])); // array classes are descriptors: matched above
      }
    }
    refs.remove(self);
    return new Result(self, refs);
  }

  private static String binaryName(String internal) {
    return internal.replace('/', '.');
  }
}
