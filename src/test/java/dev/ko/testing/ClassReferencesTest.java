package dev.ko.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.name.Tag;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each fixture mentions a class in one way only; the constant pool reader must see it. */
class ClassReferencesTest {
  static class InAGenericSignatureOnly {
    List<Tag> tags; // the field's descriptor is just List
  }

  static class InALambdaOnly {
    Object supplier() {
      return (Supplier<Digest>) () -> null; // the lambda's method type returns Digest
    }
  }

  static class AFullyQualifiedCall {
    Object digest() {
      return dev.ko.oci.Digest.of(new byte[0]);
    }
  }

  static class AClassLiteral {
    String name() {
      return dev.ko.name.Registry.class.getName();
    }
  }

  static class AnArrayOfArrays {
    Object tags() {
      return new Tag[0][];
    }
  }

  record ARecordComponent(dev.ko.name.Repository repository) {}

  @Retention(RetentionPolicy.RUNTIME)
  @interface AnAnnotationOnly {}

  @Test
  void seesReferencesWhereverTheyAre() throws IOException {
    assertThat(references(InAGenericSignatureOnly.class, "dev.ko")).contains("dev.ko.name.Tag");
    assertThat(references(InALambdaOnly.class, "dev.ko")).contains("dev.ko.oci.Digest");
    assertThat(references(AFullyQualifiedCall.class, "dev.ko")).contains("dev.ko.oci.Digest");
    assertThat(references(AClassLiteral.class, "dev.ko")).contains("dev.ko.name.Registry");
    assertThat(references(AnArrayOfArrays.class, "dev.ko")).contains("dev.ko.name.Tag");
    assertThat(references(ARecordComponent.class, "dev.ko")).contains("dev.ko.name.Repository");
    // Retention and RetentionPolicy appear only in the annotation attribute, never as classes.
    assertThat(references(AnAnnotationOnly.class, "java.lang.annotation"))
        .contains("java.lang.annotation.Retention", "java.lang.annotation.RetentionPolicy");
  }

  @Test
  void keepsOnlyThePackageTreeAndNamesTheClass() throws IOException {
    ClassReferences.Result r = read(AFullyQualifiedCall.class, "dev.ko.oci");
    assertThat(r.name()).isEqualTo("dev.ko.testing.ClassReferencesTest$AFullyQualifiedCall");
    assertThat(r.references()).containsExactly("dev.ko.oci.Digest");
  }

  private static Set<String> references(Class<?> fixture, String tree) throws IOException {
    return read(fixture, tree).references();
  }

  private static ClassReferences.Result read(Class<?> fixture, String tree) throws IOException {
    String file = fixture.getName().substring(fixture.getName().lastIndexOf('.') + 1) + ".class";
    try (InputStream in = fixture.getResourceAsStream(file)) {
      return ClassReferences.read(in.readAllBytes(), tree);
    }
  }
}
