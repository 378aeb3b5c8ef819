package io.satlake.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.drivers.MomentMatrix.Segment;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorityMatrixTest {
  @TempDir
  static Path dir;

  /**
   * Drivers visits, spend, usage, dim_quality with Shapley values .2, .05, .15, .1 of R² = .5:
   * shares .4, .1, .3, .2, median (.2 + .3)/2 = .25, so visits and usage are above.
   * Performance: visits mean 2 in configured [0, 10] = 20; spend mean 250 in the observed
   * [100, 300] = 75; usage .9 in configured [0, 1] = 90; dim_quality 6.4 → (6.4 − 1)/6·100 = 90.
   * Median (75 + 90)/2 = 82.5: usage and dim_quality above. Quadrants: visits fix_first,
   * spend low_priority, usage maintain, dim_quality monitor. Gaps: dim_quality 90 − 80 = 10,
   * visits 20 − 50 = −30.
   */
  @Test
  void quadrantsSplitAtTheMediansOfTheSegmentsDrivers() {
    Settings settings = TestInputs.small(dir, dir, dir, "behaviour-drivers=[visits, spend, usage]",
        "importance.performance-bounds={visits=[0, 10], usage=[0, 1]}",
        "importance.benchmarks={dim_quality=80, visits=50}");
    RelativeImportance.Fit fit = new RelativeImportance.Fit(RelativeImportance.SHAPLEY, 0.5, 2.0,
        null, new double[] {0.2, 0.05, 0.15, 0.1}, null);
    Segment overall = new Segment("overall", "");
    DriverImportance.Estimate estimate = new DriverImportance.Estimate(overall, "nps", 100, false,
        new double[] {2, 250, 0.9, 6.4}, fit, null, null, null, 0, null);
    DriverImportance.Estimate suppressed = new DriverImportance.Estimate(overall, "csat", 12, true,
        new double[] {2, 250, 0.9, 6.4}, null, null, null, null, 0, null);
    DriverImportance.Result result = new DriverImportance.Result(null, List.of(estimate, suppressed),
        new double[][] {{0, 100, 0, 1}, {9, 300, 1, 7}}, List.of());
    List<Row> rows = PriorityMatrix.compute(SharedSpark.spark(), result, settings, LocalDate.of(2025, 12, 31), "r")
        .collectAsList();
    String[] drivers = {"visits", "spend", "usage", "dim_quality"};
    double[] importance = {0.4, 0.1, 0.3, 0.2};
    double[] performance = {20, 75, 90, 90};
    String[] quadrant = {"fix_first", "low_priority", "maintain", "monitor"};
    String[] scale = {"configured [0, 10]", "observed [100, 300]", "configured [0, 1]", "rating [1, 7]"};
    Double[] gap = {-30.0, null, null, 10.0};
    for (int j = 0; j < drivers.length; j++) {
      Row row = rows.get(j);
      assertEquals(drivers[j], row.getAs("driver"));
      assertEquals(importance[j], row.<Double>getAs("importance"), 1e-12);
      assertEquals(performance[j], row.<Double>getAs("performance"), 1e-9);
      assertEquals(0.25, row.<Double>getAs("importance_median"), 1e-12);
      assertEquals(82.5, row.<Double>getAs("performance_median"), 1e-9);
      assertEquals(quadrant[j], row.getAs("quadrant"), drivers[j]);
      assertEquals(scale[j], row.getAs("performance_scale"));
      if (gap[j] == null) {
        assertNull(row.getAs("gap"));
      } else {
        assertEquals(gap[j], row.<Double>getAs("gap"), 1e-9);
      }
    }
    Row withheld = rows.get(4);
    assertEquals("csat", withheld.getAs("target"));
    assertEquals(12L, withheld.<Long>getAs("n"));
    assertTrue(withheld.<Boolean>getAs("suppressed"));
    assertNull(withheld.getAs("quadrant"));
    assertNull(withheld.getAs("performance"));
  }

  @Test
  void configErrorsNameTheirKeys() {
    SatlakeException e = org.junit.jupiter.api.Assertions.assertThrows(SatlakeException.class,
        () -> TestInputs.small(dir, dir, dir, "importance.levels=[nowhere]", "importance.bootstrap-replicates=-1",
            "importance.benchmarks={dim_nothing=3, visits=high}", "importance.performance-bounds={visits=[5, 1]}",
            "importance.extra-targets={nps=[0, 10], overall_rating=[0]}", "importance.condition-number-warning=0",
            "importance.seed=x", "importance.typo=1"));
    for (String expected : List.of(
        "satlake.importance.levels: 'nowhere' is not in satlake.segments.dimensions",
        "satlake.importance.bootstrap-replicates: must be at least 0",
        "satlake.importance.benchmarks.dim_nothing: not a driver",
        "satlake.importance.benchmarks.visits: 'high' must be a number",
        "satlake.importance.performance-bounds.visits: must be [low, high] with low < high",
        "satlake.importance.extra-targets.nps: already a field, driver or segment",
        "satlake.importance.extra-targets.overall_rating: must be [low, high]",
        "satlake.importance.condition-number-warning: must be at least 1",
        "satlake.importance.seed: must be a whole number",
        "satlake.importance.typo: unknown key")) {
      assertTrue(e.getMessage().contains(expected), expected + " in\n" + e.getMessage());
    }
  }
}
