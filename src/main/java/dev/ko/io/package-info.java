/**
 * File writing shared by every layer: files replaced atomically with the permissions the caller
 * asks for. Depends on nothing else of ko-jvm.
 */
package dev.ko.io;
