package dev.ko.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.concurrent.TaskGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@code -l}: dropping documents and List items out of the original text, and ko's errors. */
class SelectionTest {
  private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(2);
  private static final String HELLO = "ko://example.com/app/cmd/hello";
  private static final String QUEUE = "ko://example.com/app/cmd/queue";

  @AfterAll
  static void stop() {
    EXECUTOR.shutdownNow();
  }

  private static String resolve(FakeBuild fake, String yaml, String selector) throws IOException {
    return new String(
        new Resolver(fake, fake)
            .resolve(
                List.of(new Resolver.Input("in.yaml", yaml.getBytes(StandardCharsets.UTF_8))),
                Optional.of(Selector.parse(selector)),
                new TaskGroup(EXECUTOR))
            .get(0)
            .content(),
        StandardCharsets.UTF_8);
  }

  private static String resolve(String yaml, String selector) throws IOException {
    return resolve(FakeBuild.ok(), yaml, selector);
  }

  private static final String WEB =
      """
      # web, first document
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        labels: {app: web}
      spec: {containers: [{name: c, image: ko://example.com/app/cmd/hello}]}
      """;
  private static final String DB =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: db   # no labels at all
      spec: {containers: [{name: c, image: ko://example.com/app/cmd/queue}]}
      """;

  @Test
  void keepsMatchingDocumentsByteForByteAndDropsTheOthers() throws Exception {
    String file =
        WEB + "---\n" + DB + "...\n--- # third\n" + WEB.replace("name: web", "name: web2");
    FakeBuild fake = FakeBuild.ok();
    String out = resolve(fake, file, "app=web");
    String pub = FakeBuild.published(HELLO);
    assertThat(out)
        .isEqualTo(
            WEB.replace(HELLO, pub)
                + "--- # third\n"
                + WEB.replace("name: web", "name: web2").replace(HELLO, pub));
    assertThat(fake.built()).as("dropped documents are not built").containsExactly(HELLO);

    assertThat(resolve(file, "!app"))
        .isEqualTo("---\n" + DB.replace(QUEUE, FakeBuild.published(QUEUE)) + "...\n");
    assertThat(resolve(file, "app=nothing")).as("all dropped: empty, as ko").isEmpty();
  }

  @Test
  void nullDocumentsAreDroppedSilently() throws Exception {
    assertThat(resolve("---\n---\n" + DB, "!app"))
        .isEqualTo("---\n" + DB.replace(QUEUE, FakeBuild.published(QUEUE)));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"\n", "\r\n"})
  void filtersBlockListItemsKeepingTheRest(String newline) throws Exception {
    String list =
        crlf(
            newline,
            """
            apiVersion: v1
            kind: List
            items:
            # the web pod
            - apiVersion: v1
              kind: Pod
              metadata: {name: web, labels: {app: web}}
              spec: {containers: [{name: c, image: ko://example.com/app/cmd/hello}]}
            # the db pod
            - # dash alone on its line
              apiVersion: v1
              kind: Pod
              metadata: {name: db, labels: {app: db}}
              spec: {containers: [{name: c, image: ko://example.com/app/cmd/queue}]}
            - apiVersion: v1
              kind: Pod
              metadata: {name: web2, labels: {app: web}}
            metadata: {resourceVersion: ""}
            """);
    FakeBuild fake = FakeBuild.ok();
    String out = resolve(fake, list, "app=web");
    assertThat(out)
        .isEqualTo(
            crlf(
                newline,
                """
                apiVersion: v1
                kind: List
                items:
                # the web pod
                - apiVersion: v1
                  kind: Pod
                  metadata: {name: web, labels: {app: web}}
                  spec: {containers: [{name: c, image: %s}]}
                - apiVersion: v1
                  kind: Pod
                  metadata: {name: web2, labels: {app: web}}
                metadata: {resourceVersion: ""}
                """
                    .formatted(FakeBuild.published(HELLO))));
    assertThat(fake.built()).containsExactly(HELLO);

    assertThat(resolve(list, "app=db"))
        .as("comments above an item go with it")
        .isEqualTo(
            crlf(
                newline,
                """
                apiVersion: v1
                kind: List
                items:
                # the db pod
                - # dash alone on its line
                  apiVersion: v1
                  kind: Pod
                  metadata: {name: db, labels: {app: db}}
                  spec: {containers: [{name: c, image: %s}]}
                metadata: {resourceVersion: ""}
                """
                    .formatted(FakeBuild.published(QUEUE))));
    assertThat(resolve(list, "app"))
        .as("nothing filtered: the original")
        .isEqualTo(
            list.replace(HELLO, FakeBuild.published(HELLO))
                .replace(QUEUE, FakeBuild.published(QUEUE)));
    assertThat(resolve(list, "app=none")).as("no item left: the list goes").isEmpty();
  }

  private static String crlf(String newline, String text) {
    return text.replace("\n", newline);
  }

  @Test
  void filtersJsonListItems() throws Exception {
    String json =
        """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "a"}}},
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "labels": {"app": "b"}},
           "spec": {"containers": [{"name": "c", "image": "ko://example.com/app/cmd/hello"}]}},
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "labels": {"app": "c"}}}
        ]}
        """;
    assertThat(resolve(json, "app!=a"))
        .isEqualTo(
            """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "labels": {"app": "b"}},
               "spec": {"containers": [{"name": "c", "image": "%s"}]}},
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "labels": {"app": "c"}}}
            ]}
            """
                .formatted(FakeBuild.published(HELLO)));
    assertThat(resolve(json, "app in (a,c)"))
        .isEqualTo(
            """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "a"}}},
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "labels": {"app": "c"}}}
            ]}
            """);
  }

  @Test
  void koErrorsForNonObjects() {
    assertThatThrownBy(() -> resolve("just: a map\n", "app"))
        .hasMessage(
            "error processing import paths in \"in.yaml\": error evaluating selector: yaml doesn't"
                + " represent a k8s object");
    assertThatThrownBy(() -> resolve("- a\n- b\n", "app"))
        .hasMessageEndingWith("yaml doesn't represent a k8s object");
    assertThatThrownBy(() -> resolve("apiVersion: v1\nkind: List\nitems: {}\n", "app"))
        .hasMessageEndingWith("error evaluating selector: yaml is not a valid k8s list");
    assertThatThrownBy(() -> resolve("apiVersion: v1\nkind: List\nitems: [plain]\n", "app"))
        .hasMessageEndingWith("yaml doesn't represent a k8s object");
    assertThatThrownBy(() -> resolve("apiVersion: 1\nkind: Pod\n", "app"))
        .as("apiVersion must be a string")
        .hasMessageEndingWith("yaml doesn't represent a k8s object");
  }
}
