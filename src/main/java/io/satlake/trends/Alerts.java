package io.satlake.trends;

import io.satlake.config.Settings;
import io.satlake.config.Settings.Tracking.AlertRule;
import io.satlake.config.Settings.Tracking.Direction;
import io.satlake.config.Settings.Tracking.Severity;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Metric;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * alerts: rule alerts (a current figure past an alerts.rules threshold), target alerts (a target
 * off_track) and decline alerts (a significant worsening in score_trends, after FDR control, of
 * the current period against an alerts.drop-comparisons reference). Every alert comes from an
 * unsuppressed figure (n ≥ min-n), so a small segment never raises one.
 */
public final class Alerts {
  private Alerts() {}

  public record Alert(String type, Severity severity, Figure figure, double referenceValue, String reference,
      Double qValue, String message) {}

  /** Checks the rules' metrics and segment filters before the run does any work. */
  public static void checkRules(Settings settings) {
    for (AlertRule rule : settings.tracking().alertRules()) {
      Tracker.metric(settings, rule.metric(), rule.origin());
      Tracker.filter(settings, rule.segment(), rule.origin());
    }
  }

  public static List<Alert> compute(Tracker t, List<ScoreTrends.Trend> trends, List<TargetTracking.Status> targets) {
    List<Alert> alerts = new ArrayList<>();
    for (AlertRule rule : t.settings.tracking().alertRules()) {
      Metric metric = t.metric(rule.metric(), rule.origin());
      for (List<String> segment : t.segments(t.filter(rule.segment(), rule.origin()))) {
        Figure f = t.current(segment, metric);
        if (f.estimate() == null) {
          continue;
        }
        if (rule.below() != null && f.value() < rule.below()) {
          alerts.add(rule(t, rule, f, rule.below(), "below"));
        } else if (rule.above() != null && f.value() > rule.above()) {
          alerts.add(rule(t, rule, f, rule.above(), "above"));
        }
      }
    }
    for (TargetTracking.Status s : targets) {
      if (s.status().equals("off_track")) {
        Figure f = s.current();
        String goal = (s.direction() == Direction.AT_MOST ? "at most " : "") + format(f.metric(), s.target().base());
        String due = s.target().due() == null ? "" : " by " + s.target().due();
        String projection = s.slope() == null ? "no trend to project from" : "projected " + format(f.metric(), s.projected());
        alerts.add(new Alert("target", t.settings.tracking().targetSeverity(), f, s.target().base(), "base_target", null,
            String.format(Locale.ROOT, "%s of %s is %s in %s (n=%,d) and off track for its target of %s%s (%s).",
                capitalised(f.metric().label()), f.segmentLabel(t.settings), format(f.metric(), f.value()), f.spanLabel(),
                f.n(), goal, due, projection)));
      }
    }
    Map<List<Object>, ScoreTrends.Trend> declines = new LinkedHashMap<>();
    LocalDate currentEnd = t.states.periodEnd(t.currentPeriod);
    double rate = t.settings.tracking().fdrRate();
    for (ScoreTrends.Trend trend : trends) {
      Figure f = trend.current();
      if (f.rollingPeriods() != null && f.end().equals(currentEnd) && "worse".equals(trend.direction())
          && trend.significant(rate) && t.settings.tracking().dropComparisons().contains(trend.comparison())) {
        // one alert per segment and metric: the one-period span before the rolling one, and
        // previous_period before year_ago before vs_rest (the order compute() lists them in)
        declines.putIfAbsent(List.of(f.segment().toString(), f.metric().name()), trend);
      }
    }
    declines.values().forEach(trend -> alerts.add(decline(t, trend)));
    alerts.sort(Comparator.comparing((Alert a) -> a.severity()).reversed());
    return alerts;
  }

  private static Alert rule(Tracker t, AlertRule rule, Figure f, double threshold, String side) {
    return new Alert("rule", rule.severity(), f, threshold, "threshold", null,
        String.format(Locale.ROOT, "%s of %s is %s in %s (95%% interval %s, n=%,d), %s the threshold of %s.",
            capitalised(f.metric().label()), f.segmentLabel(t.settings), format(f.metric(), f.value()), f.spanLabel(),
            interval(f), f.n(), side, format(f.metric(), threshold)));
  }

  private static Alert decline(Tracker t, ScoreTrends.Trend trend) {
    Figure f = trend.current();
    Metric m = f.metric();
    String versus = switch (trend.comparison()) {
      case ScoreTrends.PREVIOUS_PERIOD -> "the " + (f.rollingPeriods() == 1 ? "previous " + f.grain()
          : "previous " + f.rollingPeriods() + " " + f.grain() + "s");
      case ScoreTrends.YEAR_AGO -> "the same " + (f.rollingPeriods() == 1 ? f.grain() : "span") + " a year earlier";
      default -> "all other responses";
    };
    return new Alert("decline", t.settings.tracking().dropSeverity(), f, trend.reference().value(), trend.comparison(),
        trend.qValue(), String.format(Locale.ROOT,
            "%s of %s %s from %s to %s (%s, n=%,d) in %s versus %s; significant after false-discovery-rate"
                + " control (q = %.3g).",
            capitalised(m.label()), f.segmentLabel(t.settings), m.lowerIsBetter() ? "rose" : "fell",
            format(m, trend.reference().value()), format(m, f.value()), change(m, trend.delta()), f.n(),
            f.spanLabel(), versus, trend.qValue()));
  }

  /** Shares in percent, means of 1-7 scales with two decimals, NPS and the index with one. */
  static String format(Metric m, double value) {
    return String.format(Locale.ROOT, "%." + decimals(m) + "f" + (m.kind() == Metric.Kind.SHARE ? "%%" : ""), value);
  }

  /**
   * A change, signed, with the figure's own decimals: a 1-7 mean that fell from 4.40 to 4.37
   * changed by -0.03 points, not -0.0.
   */
  static String change(Metric m, double delta) {
    return String.format(Locale.ROOT, "%+." + decimals(m) + "f", delta)
        + (m.kind() == Metric.Kind.SHARE ? " percentage points" : " points");
  }

  private static int decimals(Metric m) {
    return m.kind() == Metric.Kind.MEAN && !m.name().equals(Settings.SATISFACTION_INDEX) ? 2 : 1;
  }

  private static String interval(Figure f) {
    Double low = Figure.finite(f.estimate().low());
    return low == null ? "unknown" : format(f.metric(), low) + " to " + format(f.metric(), f.estimate().high());
  }

  private static String capitalised(String label) {
    return Character.toUpperCase(label.charAt(0)) + label.substring(1);
  }

  /** True when an alert of severity critical fired. */
  public static boolean anyCritical(List<Alert> alerts) {
    return alerts.stream().anyMatch(a -> a.severity() == Severity.CRITICAL);
  }

  public static Dataset<Row> table(List<Alert> alerts, Settings settings, LocalDate runDate, String runId) {
    List<Row> rows = new ArrayList<>();
    for (Alert a : alerts) {
      List<Object> v = new ArrayList<>(List.of(Date.valueOf(runDate), runId, a.type(),
          a.severity().name().toLowerCase(Locale.ROOT)));
      v.addAll(a.figure().keyColumns(settings));
      v.addAll(Arrays.asList(a.figure().value(), a.referenceValue(), a.reference(), a.figure().n(), a.qValue(),
          a.message()));
      rows.add(RowFactory.create(v.toArray()));
    }
    return SparkSession.active().createDataFrame(rows, OutputTables.alerts(settings).schema());
  }
}
