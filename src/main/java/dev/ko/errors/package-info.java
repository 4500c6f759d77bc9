/**
 * Adding context to a failure on its way up ({@code pulling X: ...}, ko style) without losing what
 * it is: our own exception types keep their type and fields, cancellations stay cancellations, and
 * programming errors are not dressed up as user errors. Below every other package.
 */
package dev.ko.errors;
