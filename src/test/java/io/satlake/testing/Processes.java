package io.satlake.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes and ports for tests that start real servers on 127.0.0.1. */
public final class Processes {
  private Processes() {}

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a command with its output (stdout and stderr together) appended to {@code log}. */
  public static Process start(List<String> command, Map<String, String> env, Path workDir, Path log) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command to its end (at most {@code timeoutSeconds}); returns its exit code. */
  public static int run(List<String> command, Map<String, String> env, Path workDir, Path log, int timeoutSeconds) {
    Process p = start(command, env, workDir, log);
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        stop(p);
        throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + command + "\n" + tail(log));
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits until something listens on 127.0.0.1:port, or fails with the server's log. */
  public static void awaitPort(int port, Process server, Path log, int timeoutSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        if (server != null && !server.isAlive()) {
          throw new IllegalStateException("server exited with " + server.exitValue() + ":\n" + tail(log));
        }
        sleep(250);
      }
    }
    throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " after " + timeoutSeconds + " s:\n" + tail(log));
  }

  /** Ends a process and its children (a launcher script's JVM), politely first. */
  public static void stop(Process p) {
    if (p == null) {
      return;
    }
    List<ProcessHandle> family = new java.util.ArrayList<>(p.descendants().toList());
    family.add(p.toHandle());
    family.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : family) {
      try {
        h.onExit().get(20, TimeUnit.SECONDS);
      } catch (Exception stillAlive) {
        h.destroyForcibly();
      }
    }
  }

  public static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String tail(Path log) {
    String text = read(log);
    return text.length() > 6000 ? "..." + text.substring(text.length() - 6000) : text;
  }

  /** The first of these executables that exists, or null. */
  public static Path find(String name, List<String> globDirs) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    for (String dir : globDirs) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
