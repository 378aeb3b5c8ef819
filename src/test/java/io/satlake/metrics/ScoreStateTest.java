package io.satlake.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreStateTest {
  @TempDir
  static Path dir;

  private static void addIndex(ScoreState state, double index) {
    state.indexN++;
    state.indexSum += index;
    state.indexSumSquares += index * index;
  }

  @Test
  void theRestOfAConstantSegmentKeepsTheRoundingOfTheWholeItCameFrom() {
    // Index 500/6 (every rating 6) for a segment of 100 responses and 400/6 for the other 30,
    // summed in this order: the whole's double sums minus the segment's leave the rest a
    // Σx² − (Σx)²/n of about 4e-9, above the rounding of sums over its own 30 rows (1.8e-9).
    ScoreState segment = new ScoreState(0, 0);
    ScoreState whole = new ScoreState(0, 0);
    for (int i = 0; i < 100; i++) {
      addIndex(segment, 500 / 6.0);
      addIndex(whole, 500 / 6.0);
    }
    for (int i = 0; i < 30; i++) {
      addIndex(whole, 400 / 6.0);
    }
    ScoreState rest = whole.minus(segment);
    assertEquals(30, rest.indexN);
    assertTrue(Stats.centredSumOfSquares(rest.indexN, rest.indexSum, rest.indexSumSquares) > 0,
        "the rest's own sums show the residue");

    Settings settings = TestInputs.small(dir, dir, dir);
    Metric index = Metric.all(settings).stream().filter(m -> m.name().equals(Settings.SATISFACTION_INDEX))
        .findFirst().orElseThrow();
    Metric.Estimate restFigure = index.estimate(rest);
    assertEquals(400 / 6.0, restFigure.value(), 1e-9);
    assertEquals(0.0, restFigure.mean().sd(), "a constant rest has no spread");
    // neither side varies: nothing to test, rather than a Welch t of millions
    assertTrue(Double.isNaN(index.estimate(segment).versus(restFigure).pValue()));
  }
}
