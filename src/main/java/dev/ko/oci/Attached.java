package dev.ko.oci;

import java.util.List;

/** An artifact that carries {@link Attachment}s for publishers that store them. */
public interface Attached {
  List<Attachment> attachments();
}
