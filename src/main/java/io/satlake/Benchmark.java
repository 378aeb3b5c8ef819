package io.satlake;

import io.delta.tables.DeltaTable;
import io.satlake.cli.Arguments;
import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.io.OutputTables;
import io.satlake.io.SparkSessions;
import io.satlake.report.RunResult;
import io.satlake.report.StageClock;
import io.satlake.sample.SampleDataGenerator;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;
import scala.runtime.BoxedUnit;

/**
 * {@code satlake bench}: the full nightly job on Parquet input, each repeat in a fresh JVM (a
 * nightly run is always cold: session start, JIT warm-up and the first Delta operation count),
 * reporting wall time, time per stage, responses per second per core and peak memory.
 */
final class Benchmark {
  static final String HELP = """
      usage: satlake bench --responses N [--customers M] [--repeat K] [--input DIR] [--run-date D] [--config FILE] [--set key=value ...]

      Runs the full nightly job (validation, CRM join, segment scores, correlations, every Delta
      table) K times on the same Parquet input, each run in a fresh JVM with this one's JVM
      options, and prints each run's wall time and stages, the medians, responses per second per
      core, peak memory (JVM heap sampled every 20 ms, and process RSS) and where the process's
      CPU went: Spark tasks, the JIT compiler's threads (Linux) and the rest (driver, GC).

      Input: DIR holding responses.parquet and crm.parquet as written by ../shared/bench/gen.sh,
      or responses/ and crm/ as written by `satlake generate --format parquet`. When DIR has
      neither, N responses and M customers are generated there first (not timed).

        --responses N    responses to generate (required unless DIR already holds input)
        --customers M    CRM customers to generate (default N / 10)
        --repeat K       timed runs (default 3)
        --input DIR      input folder (default target/bench-data/<N>)
        --run-date D     run date (default 2025-12-31, the end of both generators' data)
        --config FILE    HOCON file overriding reference.conf (inputs are set by bench)
        --set key=value  override one key; the warehouse defaults to target/bench-warehouse,
                         where response_facts and rejected_responses are vacuumed after
                         each run (not timed)
      """;

  /** A run in a child JVM writes its figures here (a properties file) for the parent to read. */
  private static final String REPORT = "report";
  private static final String CPU_PROCESS = "cpu_process";
  private static final String CPU_TASKS = "cpu_tasks";
  private static final String CPU_JIT = "cpu_jit";
  private static final String BENCH_WAREHOUSE = "target/bench-warehouse";

  private Benchmark() {}

  static void bench(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("bench", args,
        Set.of("responses", "customers", "repeat", "input", "run-date", "config", "set", REPORT));
    if (a.help()) {
      out.print(HELP);
      return;
    }
    a.noPositional();
    String report = a.option(REPORT, null);
    if (report != null) {
      runOnce(a, Path.of(report));
      return;
    }
    long responses = a.longOption("responses", -1);
    String input = a.option("input", responses > 0 ? "target/bench-data/" + responses : null);
    if (input == null) {
      throw SatlakeException.usage("--responses N or --input DIR is required (see bench --help)");
    }
    int repeat = (int) a.longOption("repeat", 3);
    if (repeat < 1) {
      throw SatlakeException.usage("--repeat must be at least 1");
    }
    Inputs inputs = ensureInputs(a, Path.of(input), responses, out);
    int cores = Runtime.getRuntime().availableProcessors();
    out.printf(Locale.ROOT, "satlake bench: input %s (%s), %d run(s), %d cores, JVM heap max %.1f GiB%n",
        input, inputs.layout(), repeat, cores, Runtime.getRuntime().maxMemory() / (double) (1L << 30));

    List<Properties> runs = new ArrayList<>();
    for (int i = 1; i <= repeat; i++) {
      Properties run = runChild(args, inputs, i);
      runs.add(run);
      out.printf(Locale.ROOT, "run %d/%d: wall %6.1f s (session %.1f s)  peak heap %.2f GiB  peak RSS %.2f GiB%n",
          i, repeat, seconds(run, "wall"), seconds(run, "session"), gib(run, "peak_heap_bytes"),
          gib(run, "peak_rss_bytes"));
      out.println("  stages: " + run.getProperty("stages"));
      out.println(cpuLine("  cpu: ", List.of(run)));
    }
    long read = Long.parseLong(runs.get(0).getProperty("responses_read"));
    double wall = median(runs, "wall");
    out.printf(Locale.ROOT, "median wall %.1f s for %,d responses read = %,.0f responses/s = %,.0f per core"
        + "; peak heap %.2f GiB, peak RSS %.2f GiB (max over runs)%n",
        wall, read, read / wall, read / wall / cores, max(runs, "peak_heap_bytes") / (double) (1L << 30),
        max(runs, "peak_rss_bytes") / (double) (1L << 30));
    out.println("median stages: " + medianStages(runs));
    out.println(cpuLine("median cpu: ", runs));
  }

  /** Process CPU split into Spark tasks, JIT compiler threads (Linux only) and the rest; medians over runs. */
  private static String cpuLine(String label, List<Properties> runs) {
    if (seconds(runs.get(0), CPU_PROCESS) < 0) {
      return label + "not available on this JVM";
    }
    boolean jitKnown = seconds(runs.get(0), CPU_JIT) >= 0;
    double rest = median(runs.stream().mapToDouble(p -> seconds(p, CPU_PROCESS) - seconds(p, CPU_TASKS)
        - (jitKnown ? seconds(p, CPU_JIT) : 0)).sorted().toArray());
    return String.format(Locale.ROOT, "%s%.1f s = Spark tasks %.1f s%s + driver, %sGC and other %.1f s", label,
        median(runs, CPU_PROCESS), median(runs, CPU_TASKS),
        jitKnown ? String.format(Locale.ROOT, " + JIT compiler %.1f s", median(runs, CPU_JIT)) : "",
        jitKnown ? "" : "JIT compiler, ", rest);
  }

  private record Inputs(String responses, String crm, String layout) {}

  /** Uses gen.sh's layout or ours, generating ours (untimed) when the folder holds neither. */
  private static Inputs ensureInputs(Arguments a, Path dir, long responses, PrintStream out) {
    if (Files.exists(dir.resolve("responses.parquet")) && Files.exists(dir.resolve("crm.parquet"))) {
      return new Inputs(dir.resolve("responses.parquet").toString(), dir.resolve("crm.parquet").toString(),
          "gen.sh layout");
    }
    if (!Files.isDirectory(dir.resolve("responses")) || !Files.isDirectory(dir.resolve("crm"))) {
      if (responses < 1) {
        throw SatlakeException.badInput("--input " + dir + ": no responses.parquet + crm.parquet and no"
            + " responses/ + crm/ there; give --responses N to generate input");
      }
      long customers = a.longOption("customers", Math.max(1, responses / 10));
      Settings settings = SettingsLoader.load(null, Map.of("spark.catalog", "in-memory"));
      SparkSession spark = SparkSessions.create(settings);
      long started = System.nanoTime();
      SampleDataGenerator.generate(spark, new SampleDataGenerator.Options(responses, customers, dir.toString(),
          SampleDataGenerator.Format.PARQUET, 42));
      spark.stop();
      out.printf(Locale.ROOT, "generated %,d responses and %,d customers into %s (%.1f s, not timed)%n",
          responses, customers, dir, (System.nanoTime() - started) / 1e9);
    }
    return new Inputs(dir.resolve("responses").toString(), dir.resolve("crm").toString(), "satlake generate layout");
  }

  /** Runs `bench --report FILE` in a fresh JVM with this JVM's options and classpath. */
  private static Properties runChild(String[] args, Inputs inputs, int index) {
    try {
      Path report = Files.createTempFile("satlake-bench-", ".properties");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), SatisfactionJob.class.getName(), "bench"));
      command.addAll(List.of(args));
      command.addAll(List.of("--set", "inputs.responses.path=" + inputs.responses(),
          "--set", "inputs.crm.path=" + inputs.crm(), "--" + REPORT, report.toString()));
      Process process = new ProcessBuilder(command).inheritIO().start();
      int code = process.waitFor();
      if (code != 0) {
        throw new SatlakeException(SatlakeException.ExitCode.RUN_FAILED,
            "benchmark run " + index + " failed with exit code " + code + " (its log is above)");
      }
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(report, StandardCharsets.UTF_8)) {
        p.load(in);
      }
      Files.delete(report);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SatlakeException(SatlakeException.ExitCode.RUN_FAILED, "interrupted");
    }
  }

  /**
   * One measured run in this (fresh) JVM; figures go to the report file. Then, untimed, the files
   * the run replaced in the row-level tables are vacuumed when the warehouse is bench's own: every
   * run rewrites the same run date, and the replaced files (1.4 GB per run at 16M responses) would
   * otherwise pile up. The other tables' files are a few KB.
   */
  private static void runOnce(Arguments a, Path report) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("warehouse", BENCH_WAREHOUSE);
    overrides.putAll(a.overrides());
    overrides.put("inputs.responses.format", "parquet");
    overrides.put("inputs.crm.format", "parquet");
    String file = a.option("config", null);
    Settings settings = SettingsLoader.load(file == null ? null : new File(file), overrides);
    LocalDate runDate = a.date("run-date", SatisfactionJob.DEMO_RUN_DATE);

    HeapSampler heap = new HeapSampler();
    heap.start();
    long started = System.nanoTime();
    SparkSession spark = SparkSessions.create(settings);
    double session = (System.nanoTime() - started) / 1e9;
    StageClock clock = new StageClock();
    CpuBreakdown.TaskCpu taskCpu = new CpuBreakdown.TaskCpu();
    spark.sparkContext().addSparkListener(taskCpu);
    RunResult result = SatisfactionJob.runJob(spark, settings, runDate, clock);
    // Wall from JVM start: the JVM's own start-up counts, as it would for a nightly run.
    double wall = ManagementFactory.getRuntimeMXBean().getUptime() / 1e3;
    double processCpu = CpuBreakdown.processSeconds();
    double jitCpu = CpuBreakdown.jitCompilerSeconds();
    heap.interrupt();
    spark.stop(); // delivers every pending listener event, so the task total is complete

    Properties p = new Properties();
    p.setProperty("wall", String.valueOf(wall));
    p.setProperty("session", String.valueOf(session));
    p.setProperty("responses_read", String.valueOf(result.responses().read()));
    p.setProperty("peak_heap_bytes", String.valueOf(heap.peak.get()));
    p.setProperty("peak_rss_bytes", String.valueOf(peakRss()));
    p.setProperty(CPU_PROCESS, String.valueOf(processCpu));
    p.setProperty(CPU_TASKS, String.valueOf(taskCpu.seconds()));
    p.setProperty(CPU_JIT, String.valueOf(jitCpu));
    StringBuilder stages = new StringBuilder();
    clock.seconds().forEach((stage, s) -> stages.append(String.format(Locale.ROOT, "%s=%.1f ", stage, s)));
    p.setProperty("stages", stages.toString().trim());
    try (var w = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
      p.store(w, "satlake bench run");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (settings.warehouse().equals(BENCH_WAREHOUSE)) {
      vacuum(settings, List.of(result.tableLocations().get(OutputTables.RESPONSE_FACTS),
          result.tableLocations().get(OutputTables.REJECTED.name())));
    }
  }

  /** Deletes the tables' files no longer in their current version (a session of its own: the measured one is stopped). */
  private static void vacuum(Settings settings, List<String> tables) {
    SparkSession spark = SparkSessions.create(settings);
    // bench's own warehouse has no readers to protect: no retention period
    spark.conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
    // two small tables: with Spark's defaults (200 shuffle partitions, a listing task per
    // folder) these two vacuums took minutes
    spark.conf().set("spark.sql.shuffle.partitions", "2");
    spark.conf().set("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2");
    // Delta prints "Deleted N files ..." on Scala's console, amid bench's own report
    scala.Console.withOut(OutputStream.nullOutputStream(), () -> {
      tables.forEach(table -> DeltaTable.forPath(spark, table).vacuum(0));
      return BoxedUnit.UNIT;
    });
    spark.stop();
  }

  /** Peak heap in use, sampled: the sum of per-pool peaks would overstate it. */
  private static final class HeapSampler extends Thread {
    final AtomicLong peak = new AtomicLong();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    HeapSampler() {
      super("satlake-heap-sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Peak resident set size of this process (Linux VmHWM), 0 where /proc is not available. */
  private static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: RSS is reported as 0
    }
    return 0;
  }

  private static double seconds(Properties p, String key) {
    return Double.parseDouble(p.getProperty(key));
  }

  private static double gib(Properties p, String key) {
    return Long.parseLong(p.getProperty(key)) / (double) (1L << 30);
  }

  private static double median(List<Properties> runs, String key) {
    return median(runs.stream().mapToDouble(p -> seconds(p, key)).sorted().toArray());
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static long max(List<Properties> runs, String key) {
    return runs.stream().mapToLong(p -> Long.parseLong(p.getProperty(key))).max().orElse(0);
  }

  private static String medianStages(List<Properties> runs) {
    Map<String, List<Double>> byStage = new LinkedHashMap<>();
    for (Properties run : runs) {
      for (String entry : run.getProperty("stages").split(" ")) {
        String[] kv = entry.split("=");
        byStage.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Double.parseDouble(kv[1]));
      }
    }
    StringBuilder line = new StringBuilder();
    byStage.forEach((stage, values) -> line.append(String.format(Locale.ROOT, "%s=%.1f ", stage,
        median(values.stream().mapToDouble(Double::doubleValue).sorted().toArray()))));
    return line.toString().trim();
  }
}
