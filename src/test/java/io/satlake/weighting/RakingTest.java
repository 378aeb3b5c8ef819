package io.satlake.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.metrics.Stats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Raking on hand-made cell tables whose weights are worked out independently below. */
class RakingTest {
  static final Settings.Weighting LOOSE = new Settings.Weighting(List.of("region", "tier"), 10_000, 1e-12, 0.2, 5.0);

  static Raking.Cell cell(String region, String tier, long respondents) {
    return new Raking.Cell(List.of(region, tier), respondents);
  }

  /** Kish n_eff = (Σ n·w)² / Σ n·w², written out from the definition. */
  static double kish(long[] respondents, double[] weights) {
    double sum = 0;
    double squares = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += respondents[i] * weights[i];
      squares += respondents[i] * weights[i] * weights[i];
    }
    return sum * sum / squares;
  }

  @Test
  void postStratificationWeightsArePopulationShareOverSampleShare() {
    // north: 2 of 10 respondents (0.2) but 60% of customers -> 0.6 / 0.2 = 3;
    // south: 8 of 10 (0.8) but 40% -> 0.4 / 0.8 = 0.5. Σw = 6 + 4 = 10, Σw² = 18 + 2 = 20, n_eff = 5.
    Settings.Weighting oneDimension = new Settings.Weighting(List.of("region"), 100, 1e-9, 0.2, 5.0);
    List<Raking.Cell> cells = List.of(new Raking.Cell(List.of("north"), 2), new Raking.Cell(List.of("south"), 8));
    Raking.Result r = Raking.rake(List.of("region"), cells, List.of(Map.of("north", 0.6, "south", 0.4)), oneDimension);
    assertEquals(3.0, r.weights()[0], 1e-12);
    assertEquals(0.5, r.weights()[1], 1e-12);
    assertEquals(1, r.iterations()); // one dimension is reached in one cycle
    assertEquals(5.0, kish(new long[] {2, 8}, r.weights()), 1e-12);
    assertEquals(0.6, r.weightedShares().get(0).get("north"), 1e-12);
  }

  @Test
  void rakingReachesBothMarginsAndKeepsTheOddsRatioOfTheSample() {
    // Sample 2x2 (rows north/south, columns gold/basic): [[10, 30], [20, 40]], n = 100.
    // Targets: regions 50/50, tiers 30/70. Raking keeps the sample's odds ratio
    // theta = 10·40 / (30·20) = 2/3, so the raked north-gold count x solves
    // x (50 - 30 + x) = theta (50 - x)(30 - x), i.e. x² + 220x - 3000 = 0.
    double x = (-220 + Math.sqrt(220 * 220 + 4 * 3000)) / 2;
    double[] expected = {x / 10, (50 - x) / 30, (30 - x) / 20, (20 + x) / 40};
    long[] n = {10, 30, 20, 40};
    List<Raking.Cell> cells = List.of(cell("north", "gold", 10), cell("north", "basic", 30),
        cell("south", "gold", 20), cell("south", "basic", 40));
    Raking.Result r = Raking.rake(List.of("region", "tier"), cells,
        List.of(Map.of("north", 0.5, "south", 0.5), Map.of("gold", 0.3, "basic", 0.7)), LOOSE);
    for (int c = 0; c < 4; c++) {
      assertEquals(expected[c], r.weights()[c], 1e-9, "cell " + c);
    }
    // the weighted margins equal the targets within the tolerance
    double total = 0;
    for (int c = 0; c < 4; c++) {
      total += n[c] * r.weights()[c];
    }
    assertEquals(0.5, (n[0] * r.weights()[0] + n[1] * r.weights()[1]) / total, 1e-11);
    assertEquals(0.3, (n[0] * r.weights()[0] + n[2] * r.weights()[2]) / total, 1e-11);
    assertEquals(0.3, r.weightedShares().get(1).get("gold"), 1e-11);
    assertTrue(r.maxError() <= 1e-12);
    assertTrue(r.iterations() > 1);
    assertEquals(kish(n, expected), Stats.kishEffectiveN(total, sumSquares(n, r.weights())), 1e-6);
  }

  @Test
  void trimmedWeightsStayWithinTheBoundsAndStillReachTheMargins() {
    // Cells north-gold 2, north-basic 18, south-gold 40, south-basic 40 (n = 100); targets north 40%,
    // gold 50%. With weights at most 2 the 20 north respondents can carry 40 only if both north
    // cells weigh exactly 2; then gold needs 50 - 4 = 46 from 40 south-gold (1.15) and basic
    // 50 - 36 = 14 from 40 south-basic (0.35). Untrimmed, north-gold would weigh more than 2.
    long[] n = {2, 18, 40, 40};
    List<Raking.Cell> cells = List.of(cell("north", "gold", 2), cell("north", "basic", 18),
        cell("south", "gold", 40), cell("south", "basic", 40));
    List<Map<String, Double>> targets = List.of(Map.of("north", 0.4, "south", 0.6), Map.of("gold", 0.5, "basic", 0.5));
    Raking.Result untrimmed = Raking.rake(List.of("region", "tier"), cells, targets,
        new Settings.Weighting(List.of("region", "tier"), 10_000, 1e-9, 0.01, 100));
    assertTrue(untrimmed.weights()[0] > 2.5, "trimming must bind: " + untrimmed.weights()[0]);

    Raking.Result r = Raking.rake(List.of("region", "tier"), cells, targets,
        new Settings.Weighting(List.of("region", "tier"), 10_000, 1e-9, 0.2, 2.0));
    double[] expected = {2, 2, 1.15, 0.35};
    for (int c = 0; c < 4; c++) {
      assertTrue(r.weights()[c] >= 0.2 && r.weights()[c] <= 2.0, "within bounds: " + r.weights()[c]);
      assertEquals(expected[c], r.weights()[c], 1e-6, "cell " + c);
    }
    assertTrue(r.maxError() <= 1e-9);
    // Σ n·w = 100, Σ n·w² = 8 + 72 + 52.9 + 4.9 = 137.8
    assertEquals(10_000 / 137.8, kish(n, r.weights()), 1e-4);
  }

  @Test
  void unreachableMarginsFailNamingTheDimensionAndCategory() {
    // north needs 0.9 / 0.1 = 9 > the 5 allowed (and south 0.1 / 0.9 < 0.2): the margins cannot be
    // reached; with one dimension both categories miss by the same amount, so either may be named
    Settings.Weighting settings = new Settings.Weighting(List.of("region"), 50, 1e-6, 0.2, 5.0);
    SatlakeException e = assertThrows(SatlakeException.class, () -> Raking.rake(List.of("region"),
        List.of(new Raking.Cell(List.of("north"), 1), new Raking.Cell(List.of("south"), 9)),
        List.of(Map.of("north", 0.9, "south", 0.1)), settings));
    assertEquals(SatlakeException.ExitCode.BAD_INPUT, e.exitCode());
    assertTrue(e.getMessage().contains("did not converge in 50 iterations"), e.getMessage());
    assertTrue(e.getMessage().matches(".*largest margin error is 0\\.1647\\d* at region = '(north|south)'.*"),
        e.getMessage()); // north 5 / (5 + 9 x 0.2) = 0.7353 vs 0.9
  }

  @Test
  void categoriesMustHaveBothRespondentsAndCustomers() {
    Settings.Weighting settings = new Settings.Weighting(List.of("region"), 50, 1e-6, 0.2, 5.0);
    SatlakeException noCustomers = assertThrows(SatlakeException.class, () -> Raking.rake(List.of("region"),
        List.of(new Raking.Cell(List.of("north"), 4), new Raking.Cell(List.of("mars"), 1)),
        List.of(Map.of("north", 1.0)), settings));
    assertTrue(noCustomers.getMessage().contains("region = 'mars' has 1 respondents but no customers"),
        noCustomers.getMessage());
    SatlakeException noRespondents = assertThrows(SatlakeException.class, () -> Raking.rake(List.of("region"),
        List.of(new Raking.Cell(List.of("north"), 4)), List.of(Map.of("north", 0.75, "west", 0.25)), settings));
    assertTrue(noRespondents.getMessage().contains("region = 'west' holds 25.0000% of the population but has no"
        + " respondents"), noRespondents.getMessage());
    assertEquals(SatlakeException.ExitCode.BAD_INPUT, noRespondents.exitCode());
  }

  private static double sumSquares(long[] n, double[] w) {
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += n[i] * w[i] * w[i];
    }
    return s;
  }
}
