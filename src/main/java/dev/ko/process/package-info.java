/**
 * Running other programs ({@code go}, {@code git}, credential helpers, {@code docker}, {@code
 * kubectl}): found on the PATH of the environment ko was given (not the JVM's), run with exactly
 * that environment, output drained on threads of their own, and stopped together with their
 * children when the waiting thread is interrupted. Below every package but {@code log} and {@code
 * concurrent}.
 */
package dev.ko.process;
