package io.satlake.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-response index, worked by hand: rescale (x - 1) / 6 * 100, weighted mean of the present ratings. */
class SatisfactionIndexTest {
  @TempDir
  Path dir;

  private List<Double> index(Settings settings, Integer[]... ratings) {
    StructType schema = new StructType().add("dim_quality", DataTypes.IntegerType)
        .add("dim_speed", DataTypes.IntegerType);
    List<Row> rows = Arrays.stream(ratings).map(r -> RowFactory.create((Object[]) r)).toList();
    return SharedSpark.spark().createDataFrame(rows, schema).select(SatisfactionIndex.of(settings))
        .collectAsList().stream().map(r -> r.isNullAt(0) ? null : r.getDouble(0)).toList();
  }

  @Test
  void equalWeightsByDefaultAndMissingRatingsLeftOut() {
    Settings settings = TestInputs.small(dir, dir, dir, "dimensions=[quality, speed]");
    List<Double> index = index(settings,
        new Integer[] {7, 1},      // (100 + 0) / 2
        new Integer[] {4, 5},      // (50 + 66.67) / 2
        new Integer[] {null, 3},   // only speed: 33.33
        new Integer[] {null, null});
    assertEquals(50.0, index.get(0), 1e-12);
    assertEquals((50.0 + 400.0 / 6) / 2, index.get(1), 1e-12);
    assertEquals(200.0 / 6, index.get(2), 1e-12);
    assertNull(index.get(3));
  }

  @Test
  void configuredWeightsAreRelative() {
    Settings settings = TestInputs.small(dir, dir, dir, "dimensions=[quality, speed]",
        "satisfaction-index.weights.quality=3");
    List<Double> index = index(settings, new Integer[] {7, 1}, new Integer[] {1, null});
    assertEquals((3 * 100.0 + 1 * 0.0) / 4, index.get(0), 1e-12);
    assertEquals(0.0, index.get(1), 1e-12);
  }

  @Test
  void badWeightsAreNamed() {
    SatlakeException e = assertThrows(SatlakeException.class, () -> TestInputs.small(dir, dir, dir,
        "dimensions=[quality, speed]", "satisfaction-index.weights.quality=-1",
        "satisfaction-index.weights.colour=1"));
    assertTrue(e.getMessage().contains("satlake.satisfaction-index.weights.quality: '-1' must be a number >= 0"),
        e.getMessage());
    assertTrue(e.getMessage().contains("satlake.satisfaction-index.weights.colour: not a configured dimension"),
        e.getMessage());
  }
}
