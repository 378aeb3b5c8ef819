package io.satlake.trends;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.config.Settings.Tracking.Direction;
import io.satlake.config.Settings.Tracking.Target;
import io.satlake.io.OutputTables;
import io.satlake.io.Sources;
import io.satlake.metrics.Metric;
import java.sql.Date;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * target_tracking: each target against the current figure of every segment it selects.
 *
 * <p>Status, in this order: {@code insufficient_data} when the current figure is suppressed;
 * {@code stretch_met} / {@code base_met} when the value meets the stretch / base target
 * (≥ for at_least, ≤ for at_most); otherwise {@code on_track} when the due date is on or after
 * the run date and the projected value meets the base target, else {@code off_track}. The
 * projection is value + slope × the number of periods from the current period to the due
 * date's period, kept within the metric's scale, with slope the least-squares slope of the
 * segment's unsuppressed one-period values over the trailing targets.trend-periods periods
 * (needs at least 3; without a slope the projection is the value itself, so the target is
 * off_track). No due date: off_track.
 */
public final class TargetTracking {
  private TargetTracking() {}

  /** A target applied to one segment. */
  public record Status(Target target, Direction direction, Figure current, Double slope, Double projected,
      String status) {
    public Double gap() {
      return current.estimate() == null ? null : current.value() - target.base();
    }
  }

  /**
   * The targets of the config and of the targets file, in that order, with their metrics and
   * segment filters checked (so a typo fails the run before any work).
   */
  public static List<Target> read(SparkSession spark, Settings settings) {
    List<Target> targets = new ArrayList<>(settings.tracking().targets());
    String path = settings.tracking().targetsFile();
    if (path != null) {
      targets.addAll(fromFile(spark, path));
    }
    for (Target target : targets) {
      Tracker.metric(settings, target.metric(), target.origin());
      Tracker.filter(settings, target.segment(), target.origin());
    }
    return targets;
  }

  private static List<Target> fromFile(SparkSession spark, String path) {
    List<Target> targets = new ArrayList<>();
    String key = "satlake.targets.file";
    List<List<String>> rows = Sources.smallCsv(spark, path, key, List.of("metric", "base_target"),
        List.of("segment", "stretch_target", "due_date", "direction"));
    for (int i = 0; i < rows.size(); i++) {
      List<String> r = rows.get(i); // metric, base_target, segment, stretch_target, due_date, direction
      String where = path + " row " + (i + 1);
      if (r.get(0) == null || r.get(1) == null) {
        throw SatlakeException.badInput(where + ": metric and base_target are required");
      }
      targets.add(new Target(r.get(0), r.get(2) == null ? "" : r.get(2), number(r.get(1), where, "base_target"),
          r.get(3) == null ? null : number(r.get(3), where, "stretch_target"), date(r.get(4), where),
          direction(r.get(5), where), where));
    }
    return targets;
  }

  private static double number(String text, String where, String column) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw SatlakeException.badInput(where + ": " + column + " '" + text + "' is not a number");
    }
  }

  private static LocalDate date(String text, String where) {
    try {
      return text == null ? null : LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw SatlakeException.badInput(where + ": due_date '" + text + "' is not a date (yyyy-MM-dd)");
    }
  }

  private static Direction direction(String text, String where) {
    if (text == null) {
      return null;
    }
    for (Direction d : Direction.values()) {
      if (d.name().equalsIgnoreCase(text.replace('-', '_'))) {
        return d;
      }
    }
    throw SatlakeException.badInput(where + ": direction '" + text + "' is not at_least or at_most");
  }

  public static List<Status> compute(Tracker t, List<Target> targets) {
    List<Status> statuses = new ArrayList<>();
    for (Target target : targets) {
      Metric metric = t.metric(target.metric(), target.origin());
      Direction direction = target.direction() != null ? target.direction()
          : metric.lowerIsBetter() ? Direction.AT_MOST : Direction.AT_LEAST;
      for (List<String> segment : t.segments(t.filter(target.segment(), target.origin()))) {
        statuses.add(status(t, target, direction, t.current(segment, metric)));
      }
    }
    return statuses;
  }

  static Status status(Tracker t, Target target, Direction direction, Figure current) {
    if (current.estimate() == null) {
      return new Status(target, direction, current, null, null, "insufficient_data");
    }
    double value = current.value();
    Double slope = slope(t, current);
    double projected = value;
    if (slope != null && target.due() != null) {
      long periodsToDue = 0;
      for (LocalDate p = t.currentPeriod; p.isBefore(t.states.periodOf(target.due())); p = t.states.shift(p, 1)) {
        periodsToDue++;
      }
      // a straight line leaves the scale sooner or later: an NPS is not projected to -180
      projected = current.metric().withinScale(value + slope * periodsToDue);
    }
    String status;
    if (target.stretch() != null && meets(value, target.stretch(), direction)) {
      status = "stretch_met";
    } else if (meets(value, target.base(), direction)) {
      status = "base_met";
    } else if (target.due() != null && !target.due().isBefore(t.runDate) && meets(projected, target.base(), direction)) {
      status = "on_track";
    } else {
      status = "off_track";
    }
    return new Status(target, direction, current, slope, projected, status);
  }

  static boolean meets(double value, double goal, Direction direction) {
    return direction == Direction.AT_LEAST ? value >= goal : value <= goal;
  }

  /**
   * Least-squares slope per period of the segment's one-period values over the trailing
   * targets.trend-periods periods ending with the current one; null with fewer than 3 values.
   */
  static Double slope(Tracker t, Figure current) {
    int periods = t.settings.tracking().targetTrendPeriods();
    List<double[]> points = new ArrayList<>();
    for (int back = periods - 1; back >= 0; back--) {
      Figure f = t.span(current.segment(), t.states.shift(t.currentPeriod, -back), 1, current.metric());
      if (f.estimate() != null) {
        points.add(new double[] {periods - 1 - back, f.value()});
      }
    }
    if (points.size() < 3) {
      return null;
    }
    double mx = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
    double my = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    for (double[] p : points) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
    }
    return sxy / sxx;
  }

  public static Dataset<Row> table(List<Status> statuses, Settings settings, LocalDate runDate, String runId) {
    List<Row> rows = new ArrayList<>();
    for (Status s : statuses) {
      Target target = s.target();
      Figure f = s.current();
      List<Object> v = new ArrayList<>(List.of(Date.valueOf(runDate), runId, target.origin()));
      v.addAll(f.keyColumns(settings));
      v.addAll(f.figureColumns());
      v.addAll(Arrays.asList(s.direction().name().toLowerCase(java.util.Locale.ROOT), target.base(), target.stretch(),
          target.due() == null ? null : Date.valueOf(target.due()), s.gap(), excludes(f, target.base()), s.slope(),
          s.projected(), s.status()));
      rows.add(RowFactory.create(v.toArray()));
    }
    return SparkSession.active().createDataFrame(rows, OutputTables.targetTracking(settings).schema());
  }

  /** True when the figure's 95% interval lies wholly on one side of {@code reference}; null without one. */
  static Boolean excludes(Figure f, double reference) {
    if (f.estimate() == null || Double.isNaN(f.estimate().low())) {
      return null;
    }
    return reference < f.estimate().low() || reference > f.estimate().high();
  }
}
