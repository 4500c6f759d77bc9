/**
 * Files shared by every layer: files replaced atomically with the permissions the caller asks for;
 * the nesting limit every YAML reader applies; file locks that threads of one process queue for.
 * Depends on nothing else of ko-jvm.
 */
package dev.ko.io;
