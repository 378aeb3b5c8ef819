package io.satlake.drivers;

import io.satlake.config.Settings;
import io.satlake.io.OutputTables;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * priority_matrix (importance–performance analysis): each driver's importance (its share of R²
 * in driver_importance) against its performance (its mean rescaled to 0–100), split into four
 * quadrants at the medians over the drivers of the same target and segment.
 *
 * <p>"Above" means strictly above the median; a driver at the median (the middle one of an odd
 * number) counts as not above. Quadrants: fix_first = important, under-performing; maintain =
 * important, performing; monitor = less important, performing (watch for over-investment);
 * low_priority = neither. Built from driver_importance's estimates alone: no pass over the data.
 */
public final class PriorityMatrix {
  public static final String FIX_FIRST = "fix_first";
  public static final String MAINTAIN = "maintain";
  public static final String MONITOR = "monitor";
  public static final String LOW_PRIORITY = "low_priority";

  private PriorityMatrix() {}

  public static Dataset<Row> compute(SparkSession spark, DriverImportance.Result importance, Settings settings,
      LocalDate runDate, String runId) {
    List<String> drivers = settings.driverColumns();
    List<Row> rows = new ArrayList<>();
    for (DriverImportance.Estimate e : importance.estimates()) {
      double[] shares = e.importance();
      boolean shown = !e.suppressed() && shares != null && !Double.isNaN(shares[0]);
      double[] performance = new double[drivers.size()];
      String[] scale = new String[drivers.size()];
      for (int j = 0; j < drivers.size(); j++) {
        Settings.Range range = range(drivers.get(j), j, settings, importance.driverRange());
        performance[j] = range.percent(e.driverMeans()[j]);
        scale[j] = scaleLabel(drivers.get(j), range, settings);
      }
      double importanceMedian = shown ? median(shares) : Double.NaN;
      double performanceMedian = shown ? median(performance) : Double.NaN;
      for (int j = 0; j < drivers.size(); j++) {
        List<Object> v = new ArrayList<>(DriverImportance.segmentValues(e.segment(), settings.importance().levels(),
            runDate, runId));
        Double benchmark = settings.importance().benchmarks().get(drivers.get(j));
        v.add(e.target());
        v.add(drivers.get(j));
        v.add(e.n());
        v.add(e.suppressed());
        v.add(shown ? shares[j] : null);
        v.add(shown ? finite(performance[j]) : null);
        v.add(e.suppressed() ? null : e.driverMeans()[j]);
        v.add(scale[j]);
        v.add(shown ? importanceMedian : null);
        v.add(shown ? finite(performanceMedian) : null);
        v.add(shown ? quadrant(shares[j] > importanceMedian, performance[j] > performanceMedian) : null);
        v.add(benchmark);
        v.add(shown && benchmark != null ? finite(performance[j] - benchmark) : null);
        rows.add(RowFactory.create(v.toArray()));
      }
    }
    return spark.createDataFrame(rows, OutputTables.priorityMatrix(settings).schema());
  }

  public static String quadrant(boolean importanceAbove, boolean performanceAbove) {
    if (importanceAbove) {
      return performanceAbove ? MAINTAIN : FIX_FIRST;
    }
    return performanceAbove ? MONITOR : LOW_PRIORITY;
  }

  /** The 0-100 range of a driver: 1-7 for ratings, configured bounds, else the observed overall range. */
  static Settings.Range range(String driver, int index, Settings settings, double[][] observed) {
    if (settings.dimensionColumns().contains(driver)) {
      return new Settings.Range(1, 7);
    }
    Settings.Range configured = settings.importance().performanceBounds().get(driver);
    return configured != null ? configured : new Settings.Range(observed[0][index], observed[1][index]);
  }

  private static String scaleLabel(String driver, Settings.Range range, Settings settings) {
    String kind = settings.dimensionColumns().contains(driver) ? "rating"
        : settings.importance().performanceBounds().containsKey(driver) ? "configured" : "observed";
    return String.format(Locale.ROOT, "%s [%s, %s]", kind, trim(range.low()), trim(range.high()));
  }

  private static String trim(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
