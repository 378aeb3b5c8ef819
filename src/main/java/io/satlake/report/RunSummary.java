package io.satlake.report;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The short report printed after a run: reconciliation, headline scores, extremes, drivers. */
public final class RunSummary {
  /** After a heading with nothing under it: every figure is withheld or has no answers. */
  private static final String NONE_SHOWN = " none (no figure with n at or above the minimum)";

  private RunSummary() {}

  public static void print(RunResult r, int minN, PrintStream out) {
    out.printf(Locale.ROOT, "satlake run %s for %s (window %s)%n", r.runId(), r.runDate(), r.window());
    RunResult.Counts c = r.responses();
    out.printf(Locale.ROOT, "  responses read %,d = accepted %,d + rejected %,d%n", c.read(), c.accepted(), c.rejected());
    c.rejectedByReason().forEach((reason, n) -> out.printf(Locale.ROOT, "    %-24s %,d%n", reason, n));
    out.printf(Locale.ROOT, "  analysed (in window) %,d; customer not in CRM %,d%n", r.inWindow(), r.unmatched());
    RunResult.Counts crm = r.crm();
    out.printf(Locale.ROOT, "  CRM rows read %,d = accepted %,d + rejected %,d%n", crm.read(), crm.accepted(),
        crm.rejected());
    crm.rejectedByReason().forEach((reason, n) -> out.printf(Locale.ROOT, "    %-24s %,d%n", reason, n));

    Dataset<Row> window = r.segmentScores().filter(col("period_grain").equalTo("window"));
    List<Row> overall = window.filter(col("segment_key").equalTo("overall")).collectAsList();
    if (overall.isEmpty()) {
      out.println("  overall: no accepted responses in the window");
    } else {
      Row o = overall.get(0);
      out.println("  overall:");
      out.println("    NPS  " + figure(o, "nps", 1));
      out.println("    CSAT " + figure(o, "csat", 1) + " (% of 4-5)");
      // a 1-7 mean needs two decimals: at a million answers its interval is narrower than 0.1
      out.println("    CES  " + figure(o, "ces", 2) + " (1-7, lower = easier)");
    }
    Dataset<Row> ranked = window.filter(col("segment_key").notEqual("overall").and(col("nps").isNotNull()));
    for (Map.Entry<String, Dataset<Row>> e : Map.of(
        "best segments by NPS", ranked.orderBy(col("nps").desc()),
        "worst segments by NPS", ranked.orderBy(col("nps").asc())).entrySet().stream()
        .sorted(Map.Entry.comparingByKey()).toList()) {
      List<Row> segments = e.getValue().limit(3).collectAsList();
      out.println("  " + e.getKey() + ":" + (segments.isEmpty() ? NONE_SHOWN : ""));
      for (Row s : segments) {
        out.printf(Locale.ROOT, "    %-40s %s%n", segmentLabel(s), figure(s, "nps", 1));
      }
    }
    List<Row> drivers = r.driverCorrelations().filter(col("segment_key").equalTo("overall")
        .and(col("target").equalTo("nps")).and(col("method").equalTo("pearson")).and(col("r").isNotNull()))
        .orderBy(abs(col("r")).desc()).limit(5).collectAsList();
    out.println("  strongest drivers of NPS (Pearson r, overall):" + (drivers.isEmpty() ? NONE_SHOWN : ""));
    for (Row d : drivers) {
      out.printf(Locale.ROOT, "    %-28s r = %+.3f [%+.3f, %+.3f] n=%,d%n", d.getAs("driver"), d.<Double>getAs("r"),
          d.<Double>getAs("ci_low"), d.<Double>getAs("ci_high"), d.<Long>getAs("n"));
    }
    if (!r.warnings().isEmpty()) {
      out.println("  warnings (also in run_log.warnings):");
      r.warnings().forEach(w -> out.println("    " + w));
    }
    List<Row> alerts = r.alerts().select("severity", "message").collectAsList(); // a run's alerts: a short list
    out.printf(Locale.ROOT, "  alerts: %d%n", alerts.size());
    alerts.stream().limit(8).forEach(a -> out.printf(Locale.ROOT, "    [%s] %s%n", a.getString(0), a.getString(1)));
    if (alerts.size() > 8) {
      out.printf(Locale.ROOT, "    ... %d more in the alerts table%n", alerts.size() - 8);
    }
    out.println("  tables:");
    r.tableLocations().forEach((table, location) -> out.printf(Locale.ROOT, "    %-22s %s%n", table, location));
    out.printf(Locale.ROOT, "  figures with n < %d are withheld (suppressed)%n", minN);
  }

  /** A score of {@code segment_scores} (columns {@code m}, {@code m_low}, {@code m_high}, {@code m_n}). */
  private static String figure(Row row, String metric, int decimals) {
    Object v = row.getAs(metric);
    long n = row.<Long>getAs(metric + "_n");
    if (v == null) {
      return n == 0 ? "no answers" : String.format(Locale.ROOT, "suppressed (n=%,d)", n);
    }
    String number = "%." + decimals + "f";
    return String.format(Locale.ROOT, "%6s [" + number + ", " + number + "] n=%,d",
        String.format(Locale.ROOT, number, (Double) v), row.<Double>getAs(metric + "_low"),
        row.<Double>getAs(metric + "_high"), n);
  }

  private static String segmentLabel(Row row) {
    StringBuilder label = new StringBuilder();
    for (String dimension : row.<String>getAs("segment_key").split(",")) {
      label.append(label.length() == 0 ? "" : ", ").append(dimension).append('=').append(row.<String>getAs(dimension));
    }
    return label.toString();
  }
}
