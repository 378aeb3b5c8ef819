package io.satlake.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for one test class: initdb into a temporary folder, then pg_ctl start
 * on a free 127.0.0.1 port with password (scram) authentication. As root, the server runs as
 * the postgres user (PostgreSQL refuses root). .ci/run installs PostgreSQL when it is missing;
 * the test is skipped only when no PostgreSQL is installed at all.
 */
public final class PostgresServer implements AutoCloseable {
  public static final String USER = "satlake";
  private final Path bin;
  private final Path base;
  private final Path log;
  private final boolean asPostgresUser;
  public final int port;
  private final String password;

  private PostgresServer(Path bin, Path base, int port, String password) {
    this.bin = bin;
    this.base = base;
    this.log = base.resolve("server.log");
    this.port = port;
    this.password = password;
    this.asPostgresUser = "root".equals(System.getProperty("user.name"));
  }

  public static PostgresServer start(String password) {
    Path initdb = Processes.find("initdb", postgresBinDirs());
    Assumptions.assumeTrue(initdb != null,
        "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); .ci/run installs it with apt-get");
    try {
      Path base = Files.createTempDirectory("satlake-pg");
      PostgresServer server = new PostgresServer(initdb.toRealPath().getParent(), base, Processes.freePort(), password);
      server.boot();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> postgresBinDirs() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.sorted().map(v -> v.resolve("bin").toString()).toList();
    } catch (IOException none) {
      return List.of();
    }
  }

  private void boot() throws IOException {
    Path pwfile = base.resolve("pwfile");
    Files.writeString(pwfile, password + "\n");
    if (asPostgresUser) {
      mustRun(List.of("chown", "-R", "postgres", base.toString()));
    }
    mustRun(command(bin.resolve("initdb").toString(), "-D", base.resolve("data").toString(), "-U", USER,
        "--pwfile=" + pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"));
    mustRun(command(bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(), "-l", log.toString(),
        "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=" + base + " -c fsync=off",
        "-w", "-t", "60", "start"));
  }

  private List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    if (asPostgresUser) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.addAll(List.of(args));
    return command;
  }

  private void mustRun(List<String> command) {
    Path out = base.resolve("commands.log");
    int code = Processes.run(command, Map.of(), base, out, 120);
    if (code != 0) {
      throw new IllegalStateException("failed (" + code + "): " + command + "\n" + Processes.tail(out) + Processes.tail(log));
    }
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), USER, password);
  }

  @Override
  public void close() {
    mustRun(command(bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(), "-m", "fast", "-w", "stop"));
    deleteTree(base.toFile());
  }

  private static void deleteTree(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteTree(c);
      }
    }
    f.delete();
  }
}
