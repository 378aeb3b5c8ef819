package io.satlake.metrics;

import io.satlake.testing.Reference;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Every expected value here is worked out by hand (the working is in the comments; decimals from
 * bc at 40 digits), taken from a printed table, or computed by a different formula written in
 * the test. None is copied from the output of {@link Stats}.
 */
class StatsTest {

  private static final double TOLERANCE = 1e-9;
  private static final double Z = 1.959963984540054;

  @Test
  void z95IsTheNormalQuantile() {
    // Phi^-1(0.975) = 1.95996398454005423552...; the constant must be its nearest double.
    assertEquals(1.959963984540054, Stats.Z95, 0.0);
  }

  // ---------------------------------------------------------------------------------------- NPS

  @Test
  void npsOfTenResponsesMatchesPaperWorking() {
    int[] scores = {10, 9, 9, 8, 7, 7, 6, 5, 3, 10};
    long promoters = 0;
    long detractors = 0;
    for (int score : scores) {
      promoters += score >= 9 ? 1 : 0;
      detractors += score <= 6 ? 1 : 0;
    }
    // Promoters 10, 9, 9, 10 -> 4; passives 8, 7, 7 -> 3; detractors 6, 5, 3 -> 3.
    assertEquals(4, promoters);
    assertEquals(3, detractors);

    // p = 0.4, d = 0.3, NPS = 100 (0.4 - 0.3) = 10
    // se = 100 sqrt((0.4 + 0.3 - 0.1^2) / 10) = 100 sqrt(0.069) = 26.26785107312739429...
    // margin = 1.959963984540054 * 26.267851... = 51.48404205459150110...
    // Wald: 10 -/+ margin = -41.48404205459150110..., 61.48404205459150110...
    // Adjusted: n' = 13, p' = 4.75/13, d' = 3.75/13, NPS' = 100/13 = 7.692307692307692...
    //   p' + d' - (p' - d')^2 = 8.5/13 - 1/169 = 109.5/169
    //   se' = 100 sqrt(109.5 / 169 / 13) = 100 sqrt(109.5/2197) = 22.32502897031181280...
    //   bounds: 7.6923... -/+ 1.959963984540054 * 22.3250... = -36.06394504331678722...,
    //   51.44856042793217184...
    Stats.NpsEstimate nps = Stats.nps(scores.length, promoters, detractors);
    assertAll(
        () -> assertEquals(10, nps.n()),
        () -> assertEquals(4, nps.promoters()),
        () -> assertEquals(3, nps.passives()),
        () -> assertEquals(3, nps.detractors()),
        () -> assertEquals(10.0, nps.nps(), TOLERANCE),
        () -> assertEquals(40.0, nps.promoterPct(), TOLERANCE),
        () -> assertEquals(30.0, nps.passivePct(), TOLERANCE),
        () -> assertEquals(30.0, nps.detractorPct(), TOLERANCE),
        () -> assertEquals(26.267851073127394294, nps.se(), TOLERANCE),
        () -> assertEquals(51.484042054591501103, nps.margin(), TOLERANCE),
        () -> assertEquals(-41.484042054591501103, nps.low(), TOLERANCE),
        () -> assertEquals(61.484042054591501103, nps.high(), TOLERANCE),
        () -> assertEquals(-36.063945043316787227, nps.adjustedLow(), TOLERANCE),
        () -> assertEquals(51.448560427932171843, nps.adjustedHigh(), TOLERANCE));
  }

  @Test
  void npsOfAllPromotersHasNoWaldSpreadAndAnUnclippedAdjustedInterval() {
    // Wald: p = 1, d = 0 -> variance 1 - 1 = 0, so the interval collapses on 100.
    // Adjusted: p' = 10.75/13, d' = 0.75/13, NPS' = 1000/13,
    //   p' + d' - (p' - d')^2 = 11.5/13 - 100/169 = 49.5/169, se' = 100 sqrt(49.5/2197),
    //   upper bound 76.92 + 29.42 = 106.3: past 100 and reported as is.
    Stats.NpsEstimate nps = Stats.nps(10, 10, 0);
    double adjustedNps = 1000.0 / 13;
    double adjustedMargin = Z * 100 * Math.sqrt(49.5 / 2197);
    assertAll(
        () -> assertEquals(100.0, nps.nps(), TOLERANCE),
        () -> assertEquals(0.0, nps.se(), TOLERANCE),
        () -> assertEquals(100.0, nps.low(), TOLERANCE),
        () -> assertEquals(100.0, nps.high(), TOLERANCE),
        () -> assertEquals(0.0, nps.passivePct(), TOLERANCE),
        () -> assertEquals(adjustedNps - adjustedMargin, nps.adjustedLow(), TOLERANCE),
        () -> assertEquals(adjustedNps + adjustedMargin, nps.adjustedHigh(), TOLERANCE),
        () -> assertTrue(nps.adjustedHigh() > 100.0));
  }

  @Test
  void npsRejectsImpossibleCounts() {
    assertThrows(IllegalArgumentException.class, () -> Stats.nps(0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> Stats.nps(5, 3, 3));
    assertThrows(IllegalArgumentException.class, () -> Stats.nps(5, -1, 0));
  }

  // ------------------------------------------------------------------------------------- Wilson

  @Test
  void wilsonSevenOfTenMatchesHandWorkingAndTheQuadraticRoots() {
    // z^2 = 3.841458820694124..., 1 + z^2/10 = 1.3841458820694124...
    // centre = (0.7 + z^2/20) / 1.38414... ; half-width = z/1.38414... * sqrt(0.021 + z^2/400)
    // -> 39.67781474611453521..., 89.22087325936989660... (bc)
    Stats.Proportion wilson = Stats.wilson(7, 10);
    double[] roots = wilsonByQuadraticRoots(7, 10);
    assertAll(
        () -> assertEquals(10, wilson.n()),
        () -> assertEquals(7, wilson.successes()),
        () -> assertEquals(70.0, wilson.pct(), TOLERANCE),
        () -> assertEquals(39.677814746114535211, wilson.low(), TOLERANCE),
        () -> assertEquals(89.220873259369896608, wilson.high(), TOLERANCE),
        () -> assertEquals(roots[0], wilson.low(), TOLERANCE),
        () -> assertEquals(roots[1], wilson.high(), TOLERANCE));
  }

  @Test
  void wilsonAtZeroAndAllSuccessesUsesTheClosedFormBound() {
    // With p-hat = 0 the score equation (p-hat - p)^2 = z^2 p (1 - p)/n has roots 0 and
    // z^2/(n + z^2); with p-hat = 1 the roots are n/(n + z^2) and 1.
    double zSquared = Z * Z;
    Stats.Proportion none = Stats.wilson(0, 20);
    Stats.Proportion all = Stats.wilson(20, 20);
    assertAll(
        () -> assertEquals(0.0, none.low(), TOLERANCE),
        () -> assertEquals(100 * zSquared / (20 + zSquared), none.high(), TOLERANCE),
        () -> assertEquals(100 * 20 / (20 + zSquared), all.low(), TOLERANCE),
        () -> assertEquals(100.0, all.high(), TOLERANCE));
  }

  @Test
  void wilsonMatchesTheQuadraticRootsAcrossSizes() {
    for (long n : new long[] {1, 2, 31, 1_000, 2_500_000}) {
      for (long successes : new long[] {0, 1, n / 3, n / 2, n - 1, n}) {
        Stats.Proportion wilson = Stats.wilson(successes, n);
        double[] roots = wilsonByQuadraticRoots(successes, n);
        String label = successes + " of " + n;
        assertEquals(roots[0], wilson.low(), TOLERANCE, label);
        assertEquals(roots[1], wilson.high(), TOLERANCE, label);
      }
    }
  }

  @Test
  void wilsonRejectsImpossibleCounts() {
    assertThrows(IllegalArgumentException.class, () -> Stats.wilson(0, 0));
    assertThrows(IllegalArgumentException.class, () -> Stats.wilson(11, 10));
  }

  /**
   * The Wilson bounds as the roots of a p² + b p + c = 0 with a = 1 + z²/n, b = −(2p̂ + z²/n),
   * c = p̂², i.e. the p where |p̂ − p| = z·√(p(1 − p)/n); on 0..100. A different route from
   * DESIGN's centre ± half-width. The discriminant is expanded by hand,
   * b² − 4ac = (z²/n)(4p̂(1 − p̂) + z²/n), because forming b² − 4ac cancels most digits at large
   * n; the roots come from q = (−b + √disc)/2 as q/a and c/q, so neither root cancels.
   */
  private static double[] wilsonByQuadraticRoots(long successes, long n) {
    double share = (double) successes / n;
    double a = 1 + Z * Z / n;
    double b = -(2 * share + Z * Z / n);
    double c = share * share;
    double discriminant = Z * Z / n * (4 * share * (1 - share) + Z * Z / n);
    double q = (-b + Math.sqrt(discriminant)) / 2;
    return new double[] {100 * c / q, 100 * q / a};
  }

  // --------------------------------------------------------------------------------------- Mean

  @Test
  void meanOfTenValuesUsesTheTableTQuantileAndTheTwoPassSd() {
    double[] values = {2, 4, 4, 5, 1, 3, 6, 7, 3, 5};
    double sum = 0;
    double sumOfSquares = 0;
    for (double value : values) {
      sum += value;
      sumOfSquares += value * value;
    }
    double twoPassMean = sum / values.length;
    double squaredDeviations = 0;
    for (double value : values) {
      squaredDeviations += (value - twoPassMean) * (value - twoPassMean);
    }
    double twoPassSd = Math.sqrt(squaredDeviations / (values.length - 1));
    // By hand: sum 40, mean 4; deviations -2 0 0 1 -3 -1 2 3 -1 1, squares sum to 30;
    // variance 30/9 = 10/3, sd = sqrt(10/3) = 1.82574185835055371...,
    // se = sd/sqrt(10) = sqrt(1/3) = 0.57735026918962576...
    // t(0.975, 9) = 2.262157162798205 (R qt / SciPy t.ppf; mpmath to 25 digits
    //   2.2621571627982055426...), margin 1.30605704689078373...
    double t9 = 2.262157162798205;
    Stats.Mean mean = Stats.mean(values.length, sum, sumOfSquares);
    assertAll(
        () -> assertEquals(10, mean.n()),
        () -> assertEquals(4.0, mean.mean(), TOLERANCE),
        () -> assertEquals(twoPassSd, mean.sd(), TOLERANCE),
        () -> assertEquals(1.8257418583505537115, mean.sd(), TOLERANCE),
        () -> assertEquals(0.57735026918962576451, mean.se(), TOLERANCE),
        () -> assertEquals(4 - t9 * twoPassSd / Math.sqrt(10), mean.low(), TOLERANCE),
        () -> assertEquals(4 + t9 * twoPassSd / Math.sqrt(10), mean.high(), TOLERANCE),
        () -> assertEquals(2.6939429531092162691, mean.low(), TOLERANCE),
        () -> assertEquals(5.3060570468907837309, mean.high(), TOLERANCE));
  }

  @Test
  void meanOfOneValueHasNoSpread() {
    Stats.Mean mean = Stats.mean(1, 6.0, 36.0);
    assertAll(
        () -> assertEquals(6.0, mean.mean(), 0.0),
        () -> assertTrue(Double.isNaN(mean.sd())),
        () -> assertTrue(Double.isNaN(mean.se())),
        () -> assertTrue(Double.isNaN(mean.low())),
        () -> assertTrue(Double.isNaN(mean.high())));
  }

  @Test
  void meanOfConstantValuesClampsNegativeRoundingToZeroSpread() {
    double sum = 0.1 + 0.1 + 0.1;
    double sumOfSquares = 0.1 * 0.1 + 0.1 * 0.1 + 0.1 * 0.1;
    // The precondition this test exists for: the one-pass variance rounds below zero.
    assertTrue((sumOfSquares - sum * sum / 3) / 2 < 0);
    Stats.Mean mean = Stats.mean(3, sum, sumOfSquares);
    assertAll(
        () -> assertEquals(0.0, mean.sd(), 0.0),
        () -> assertEquals(0.0, mean.se(), 0.0),
        () -> assertEquals(mean.mean(), mean.low(), 0.0),
        () -> assertEquals(mean.mean(), mean.high(), 0.0));
  }

  @Test
  void meanOfConstantValuesWithAPositiveRoundingResidueHasExactlyZeroSpread() {
    // Thirty 0.7s summed one by one: Σx² − (Σx)²/n comes out 1.8e-14, not 0. Read as spread it
    // would make sd 2.5e-8 and a Welch t of millions against any other constant.
    double sum = 0;
    double sumOfSquares = 0;
    for (int i = 0; i < 30; i++) {
      sum += 0.7;
      sumOfSquares += 0.7 * 0.7;
    }
    // The precondition this test exists for: the one-pass residue is positive.
    assertTrue(sumOfSquares - sum * sum / 30 > 0);
    Stats.Mean constant = Stats.mean(30, sum, sumOfSquares);
    assertAll(
        () -> assertEquals(0.0, constant.sd(), 0.0),
        () -> assertEquals(constant.mean(), constant.low(), 0.0),
        () -> assertEquals(constant.mean(), constant.high(), 0.0));
    // Against another constant (0.5 sums exactly): no spread on either side, nothing to test.
    assertTrue(Double.isNaN(Stats.welch(constant, Stats.mean(30, 15, 7.5)).pValue()));
    // A small real spread is kept: 29 x 0.7 and one 0.7 + 1e-5 have Σ(x − x̄)² = (1e-5)² · 29/30,
    // so sd = 1e-5 · √(1/30).
    double shifted = 0.7 + 1e-5;
    Stats.Mean spread = Stats.mean(30, sum - 0.7 + shifted, sumOfSquares - 0.49 + shifted * shifted);
    assertEquals(1e-5 * Math.sqrt(1 / 30.0), spread.sd(), 1e-9);
  }

  @Test
  void meanRejectsAnEmptySample() {
    assertThrows(IllegalArgumentException.class, () -> Stats.mean(0, 0, 0));
  }

  @Test
  void equalWeightsGiveTheUnweightedTIntervalWithNMinusOneDf() {
    // Thirty values 1..7 repeating, each with weight 0.9: Kish n_eff = 27²/24.3 = 30 and the
    // weighted variance is the unweighted one, so the interval is mean ± t(0.975, 29)·sd/√30.
    // The sums of 0.9 round: n_eff comes out just below 30, whose floor would give 28 df.
    double[] x = new double[30];
    double sumW = 0;
    double sumSquaredW = 0;
    double sumWX = 0;
    double sumWSquaredX = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = i % 7 + 1;
      sumW += 0.9;
      sumSquaredW += 0.9 * 0.9;
      sumWX += 0.9 * x[i];
      sumWSquaredX += 0.9 * x[i] * x[i];
    }
    assertTrue(Stats.kishEffectiveN(sumW, sumSquaredW) < 30); // the precondition this test exists for
    double mean = java.util.Arrays.stream(x).sum() / 30;
    double squaredDeviations = java.util.Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum();
    double margin = 2.045229642132703 * Math.sqrt(squaredDeviations / 29 / 30); // t(0.975, 29), R qt
    Stats.WeightedEstimate weighted = Stats.weightedMean(30, sumW, sumSquaredW, sumWX, sumWSquaredX);
    assertAll(
        () -> assertEquals(mean, weighted.value(), TOLERANCE),
        () -> assertEquals(mean - margin, weighted.low(), TOLERANCE),
        () -> assertEquals(mean + margin, weighted.high(), TOLERANCE));
  }

  @Test
  void weightedMeanOfConstantValuesHasExactlyZeroSpreadButKeepsASmallRealOne() {
    // Thirty 7.3s with weights 1..30, summed one by one as Σw·x and Σw·x·x are: the one-pass
    // variance comes out 7e-15, not 0, which gave an interval of width 7e-8 around a constant.
    double[] x = new double[30];
    java.util.Arrays.fill(x, 7.3);
    double[] sums = weightedSums(x);
    double oneMean = sums[2] / sums[0];
    // The precondition this test exists for: the one-pass variance is positive.
    assertTrue(sums[3] / sums[0] - oneMean * oneMean > 0);
    Stats.WeightedEstimate constant = Stats.weightedMean(30, sums[0], sums[1], sums[2], sums[3]);
    assertAll(
        () -> assertEquals(7.3, constant.value(), 1e-14),
        () -> assertEquals(constant.value(), constant.low(), 0.0),
        () -> assertEquals(constant.value(), constant.high(), 0.0));

    // The last value 7.3 + d, d ≈ 1e-4, with weight 30: W = Σw = 465, mean = 7.3 + 30·d/465 and
    // Σw(x − mean)² = 30·d²·(1 − 30/465), far above the sums' rounding (4·2⁻⁵³·31·Σw·x² ≈ 3e-10).
    // n_eff = 465²/Σw² = 216225/9455, df = ⌊n_eff⌋ − 1 = 21, s² = Σw(x − mean)²/W · n_eff/(n_eff − 1).
    x[29] = 7.3 + 1e-4;
    double d = x[29] - 7.3;
    double mean = 7.3 + 30 * d / 465;
    double nEffective = 216225.0 / 9455;
    double variance = 30 * d * d * (1 - 30.0 / 465) / 465 * nEffective / (nEffective - 1);
    double margin = 2.07961384472768 * Math.sqrt(variance / nEffective); // t(0.975, 21), tables 2.080
    double[] spread = weightedSums(x);
    Stats.WeightedEstimate small = Stats.weightedMean(30, spread[0], spread[1], spread[2], spread[3]);
    assertAll(
        () -> assertEquals(mean, small.value(), TOLERANCE),
        () -> assertEquals(mean - margin, small.low(), TOLERANCE),
        () -> assertEquals(mean + margin, small.high(), TOLERANCE),
        () -> assertTrue(margin > 1e-5));
  }

  /** Σw, Σw², Σw·x, Σw·x·x over x with weights 1, 2, .., summed one by one in Spark's order. */
  private static double[] weightedSums(double[] x) {
    double[] sums = new double[4];
    for (int i = 0; i < x.length; i++) {
      double w = i + 1;
      sums[0] += w;
      sums[1] += w * w;
      sums[2] += w * x[i];
      sums[3] += w * x[i] * x[i];
    }
    return sums;
  }

  // ----------------------------------------------------------------------------- t quantile

  @Test
  void tQuantileMatchesClosedFormsAndTables() {
    // df = 1 is Cauchy: t = tan(pi (0.975 - 0.5)) = 1/tan(pi/40) = 12.7062047361747046...
    // df = 2: t = (2q - 1)/sqrt(2 q (1 - q)) with q = 0.975 -> 0.95/sqrt(0.04875) = 4.3026527...
    // df = 9, 10: printed tables / R qt (2.262157162798205, 2.228138851986274).
    assertAll(
        () -> assertEquals(1 / Math.tan(Math.PI / 40), Stats.tQuantile975(1), TOLERANCE),
        () -> assertEquals(0.95 / Math.sqrt(0.04875), Stats.tQuantile975(2), TOLERANCE),
        () -> assertEquals(2.262157162798205, Stats.tQuantile975(9), TOLERANCE),
        () -> assertEquals(2.228138851986274, Stats.tQuantile975(10), TOLERANCE),
        () -> assertEquals(Z, Stats.tQuantile975(1_000_000_000_000L), TOLERANCE));
  }

  @Test
  void tQuantileLeavesExactlyFivePercentOutsideForSmallAndLargeDf() {
    // Abramowitz & Stegun 26.7.3/26.7.4 give P(|T| < t) for integer df as a finite sum, an
    // independent route that covers both sides of any switch inside tQuantile975.
    for (long df : new long[] {1, 2, 3, 4, 9, 29, 30, 100, 499, 500, 998, 999, 1000, 1001,
        4000, 20001}) {
      double t = Stats.tQuantile975(df);
      assertEquals(0.95, centralTProbability(t, df), 1e-12, "df=" + df);
    }
  }

  @Test
  void tQuantileRejectsNonPositiveDf() {
    assertThrows(IllegalArgumentException.class, () -> Stats.tQuantile975(0));
  }

  /** P(|T| &lt; t) for Student t with integer df (Abramowitz & Stegun 26.7.3 and 26.7.4). */
  private static double centralTProbability(double t, long df) {
    double theta = Math.atan(t / Math.sqrt(df));
    double cosSquared = Math.cos(theta) * Math.cos(theta);
    if (df % 2 == 0) {
      // sin(theta) [1 + 1/2 cos^2 + (1*3)/(2*4) cos^4 + ... up to cos^(df-2)]
      double term = 1;
      double series = 1;
      for (long k = 1; k <= (df - 2) / 2; k++) {
        term *= (2.0 * k - 1) / (2.0 * k) * cosSquared;
        series += term;
      }
      return Math.sin(theta) * series;
    }
    // (2/pi) (theta + sin(theta) [cos + 2/3 cos^3 + (2*4)/(3*5) cos^5 + ... up to cos^(df-2)])
    if (df == 1) {
      return 2 * theta / Math.PI;
    }
    double term = Math.cos(theta);
    double series = term;
    for (long k = 1; k <= (df - 3) / 2; k++) {
      term *= (2.0 * k) / (2.0 * k + 1) * cosSquared;
      series += term;
    }
    return 2 / Math.PI * (theta + Math.sin(theta) * series);
  }

  // ------------------------------------------------------------------------------ Correlation

  @Test
  void pearsonAndSpearmanWithTiesMatchHandWorking() {
    double[] x = {1, 2, 2, 3, 4};
    double[] y = {3, 1, 4, 4, 5};
    // Pearson: means 2.4 and 3.4; deviations x -1.4 -0.4 -0.4 0.6 1.6, y -0.4 -2.4 0.6 0.6 1.6;
    // Sxx = 5.2, Syy = 9.2, Sxy = 0.56 + 0.96 - 0.24 + 0.36 + 2.56 = 4.2;
    // r = 4.2/sqrt(5.2 * 9.2) = 21/sqrt(1196) = 0.60723067856455223...
    assertEquals(21 / Math.sqrt(1196), Reference.pearson(x, y), TOLERANCE);

    // Ranks: x 1 2.5 2.5 4 5 (the two 2s share positions 2 and 3), y 2 1 3.5 3.5 5.
    double[] xRanks = Reference.averageRanks(x);
    double[] yRanks = Reference.averageRanks(y);
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4, 5}, xRanks, 0.0);
    assertArrayEquals(new double[] {2, 1, 3.5, 3.5, 5}, yRanks, 0.0);
    // Spearman: both rank means 3; deviations x -2 -0.5 -0.5 1 2, y -1 -2 0.5 0.5 2;
    // Sxx = Syy = 9.5, Sxy = 2 + 1 - 0.25 + 0.5 + 4 = 7.25; rho = 7.25/9.5 = 29/38.
    assertEquals(29.0 / 38, Reference.pearson(xRanks, yRanks), TOLERANCE);
  }

  @Test
  void correlationOfTheSpearmanExampleMatchesClosedForms() {
    double rho = 29.0 / 38;
    long n = 5;
    // df = 3, t = rho sqrt(3/(1 - rho^2)); for 3 df, with theta = atan(t/sqrt 3),
    // P(|T| < t) = (2/pi)(theta + sin theta cos theta) -> p = 0.13333911953180634829 (mpmath).
    double t = rho * Math.sqrt(3 / (1 - rho * rho));
    double theta = Math.atan(t / Math.sqrt(3));
    double pValue = 1 - 2 / Math.PI * (theta + Math.sin(theta) * Math.cos(theta));
    // Fisher: z = 0.5 ln((1 + rho)/(1 - rho)), bounds tanh(z -/+ 1.96.../sqrt(2))
    //   = -0.36459033394237033..., 0.98333584863392200...
    double fisherZ = 0.5 * Math.log((1 + rho) / (1 - rho));
    Stats.Correlation correlation = Stats.correlation(rho, n);
    assertAll(
        () -> assertEquals(5, correlation.n()),
        () -> assertEquals(rho, correlation.r(), 0.0),
        () -> assertEquals(pValue, correlation.pValue(), TOLERANCE),
        () -> assertEquals(0.13333911953180634829, correlation.pValue(), TOLERANCE),
        () -> assertEquals(Math.tanh(fisherZ - Z / Math.sqrt(2)), correlation.low(), TOLERANCE),
        () -> assertEquals(Math.tanh(fisherZ + Z / Math.sqrt(2)), correlation.high(), TOLERANCE),
        () -> assertEquals(-0.36459033394237033259, correlation.low(), TOLERANCE),
        () -> assertEquals(0.98333584863392200383, correlation.high(), TOLERANCE));
  }

  @Test
  void pValueIsFivePercentAtTheTableCriticalT() {
    // n = 12 -> 10 df; t(0.975, 10) = 2.228138851986274, so r = t/sqrt(t^2 + 10) has p = 0.05.
    double t = 2.228138851986274;
    double r = t / Math.sqrt(t * t + 10);
    assertEquals(0.05, Stats.correlation(r, 12).pValue(), TOLERANCE);
    assertEquals(0.05, Stats.correlation(-r, 12).pValue(), TOLERANCE);
  }

  @Test
  void pValueMatchesClosedFormsForOneAndTwoDf() {
    for (double r : new double[] {0.0, 0.05, -0.3, 0.7, 0.999}) {
      double oneDfT = r * Math.sqrt(1 / (1 - r * r));
      double twoDfT = r * Math.sqrt(2 / (1 - r * r));
      // 1 df (Cauchy): p = 1 - (2/pi) atan|t|.  2 df: p = 1 - |t|/sqrt(2 + t^2).
      double oneDfP = 1 - 2 / Math.PI * Math.atan(Math.abs(oneDfT));
      double twoDfP = 1 - Math.abs(twoDfT) / Math.sqrt(2 + twoDfT * twoDfT);
      assertEquals(oneDfP, Stats.correlation(r, 3).pValue(), TOLERANCE, "n=3, r=" + r);
      assertEquals(twoDfP, Stats.correlation(r, 4).pValue(), TOLERANCE, "n=4, r=" + r);
    }
  }

  @Test
  void perfectCorrelationHasZeroPValueAndADegenerateInterval() {
    for (double r : new double[] {1.0, -1.0}) {
      Stats.Correlation correlation = Stats.correlation(r, 10);
      assertEquals(0.0, correlation.pValue(), 0.0);
      assertEquals(r, correlation.low(), 0.0);
      assertEquals(r, correlation.high(), 0.0);
    }
    assertEquals(1.0, Reference.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 0.0);
    assertEquals(-1.0, Reference.pearson(new double[] {0.1, 0.2, 0.3}, new double[] {3, 2, 1}),
        TOLERANCE);
  }

  @Test
  void tooFewPairsLeaveTheMissingFiguresNaN() {
    Stats.Correlation twoPairs = Stats.correlation(0.5, 2);
    assertTrue(Double.isNaN(twoPairs.pValue()));
    assertTrue(Double.isNaN(twoPairs.low()));
    assertTrue(Double.isNaN(twoPairs.high()));

    Stats.Correlation threePairs = Stats.correlation(0.5, 3);
    assertEquals(1 - 2 / Math.PI * Math.atan(0.5 / Math.sqrt(0.75)), threePairs.pValue(),
        TOLERANCE);
    assertTrue(Double.isNaN(threePairs.low()));
    assertTrue(Double.isNaN(threePairs.high()));

    Stats.Correlation undefined = Stats.correlation(Double.NaN, 50);
    assertEquals(50, undefined.n());
    assertTrue(Double.isNaN(undefined.r()));
    assertTrue(Double.isNaN(undefined.pValue()));
    assertTrue(Double.isNaN(undefined.low()));
    assertTrue(Double.isNaN(undefined.high()));
  }

  @Test
  void correlationRejectsAnImpossibleR() {
    assertThrows(IllegalArgumentException.class, () -> Stats.correlation(1.5, 10));
  }

  @Test
  void uncorrelatedDataHasPValueOne() {
    // x 1 2 3 4 5, y 2 1 3 1 2: deviations x -2 -1 0 1 2, y 0.2 -0.8 1.2 -0.8 0.2 -> Sxy = 0.
    double r = Reference.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 3, 1, 2});
    assertEquals(0.0, r, TOLERANCE);
    assertEquals(1.0, Stats.correlation(r, 5).pValue(), TOLERANCE);
  }



  // ------------------------------------------------------------------------ difference tests

  @Test
  void benjaminiHochbergFromItsDefinition() {
    // p = 0.01, 0.04, 0.03, 0.005, 0.20; m = 5. Sorted: 0.005, 0.01, 0.03, 0.04, 0.20 against
    // k x 0.05 / 5 = 0.01, 0.02, 0.03, 0.04, 0.05: the largest k with p(k) <= k q / m is 4, so the first
    // four are rejected at q = 0.05. q-values m p(k) / k = 0.025, 0.025, 0.05, 0.05, 0.2, running
    // minimum from the top leaves them as they are.
    double[] q = Stats.benjaminiHochberg(new double[] {0.01, 0.04, 0.03, 0.005, 0.20});
    assertArrayEquals(new double[] {0.025, 0.05, 0.05, 0.025, 0.2}, q, 1e-12);
    // ties: m p / k = 0.082 at rank 1 and 0.041 at rank 2; the running minimum gives both 0.041
    assertArrayEquals(new double[] {0.041, 0.041}, Stats.benjaminiHochberg(new double[] {0.041, 0.041}), 1e-12);
    // 0.03 (rank 1): 2 x 0.03 / 1 = 0.06; 0.06 (rank 2): 2 x 0.06 / 2 = 0.06
    assertArrayEquals(new double[] {0.06, 0.06}, Stats.benjaminiHochberg(new double[] {0.06, 0.03}), 1e-12);
    assertEquals(0, Stats.benjaminiHochberg(new double[0]).length);
    assertThrows(IllegalArgumentException.class, () -> Stats.benjaminiHochberg(new double[] {Double.NaN}));
  }

  @Test
  void normalAndTPValuesMatchClosedForms() {
    assertEquals(0.05, Stats.normalTwoSidedP(Z), 1e-15);
    assertEquals(1.0, Stats.normalTwoSidedP(0), 0);
    // t with 1 df is Cauchy: P(|T| > t) = 1 - 2 atan(t) / pi; with 2 df it is 1 - t / sqrt(2 + t²)
    assertEquals(1 - 2 * Math.atan(3) / Math.PI, Stats.tTwoSidedP(-3, 1), TOLERANCE);
    assertEquals(1 - 2.5 / Math.sqrt(2 + 6.25), Stats.tTwoSidedP(2.5, 2), TOLERANCE);
    assertTrue(Double.isNaN(Stats.tTwoSidedP(Double.NaN, 5)));
  }

  @Test
  void differenceTestsMatchHandWorking() {
    // NPS 10 (n 10: 4 P, 3 D, se² = 690) against NPS -20 (n 20: 4 P, 8 D, p + d = 0.6, (p - d)² = 0.04, se² = 280):
    // z = 30 / sqrt(970)
    Stats.DifferenceTest nps = Stats.npsDifference(Stats.nps(10, 4, 3), Stats.nps(20, 4, 8));
    assertEquals(30 / Math.sqrt(970), nps.statistic(), TOLERANCE);
    assertTrue(Double.isNaN(nps.df()));
    // 7 of 10 against 3 of 10: pooled 0.5, se = sqrt(0.25 x 0.2) = sqrt(0.05), z = 0.4 / sqrt(0.05) = sqrt(3.2)
    Stats.DifferenceTest share = Stats.twoProportion(Stats.wilson(7, 10), Stats.wilson(3, 10));
    assertEquals(Math.sqrt(3.2), share.statistic(), TOLERANCE);
    // 1, 2, 3 (mean 2, s² 1, n 3) against 2, 4, 6, 8 (mean 5, s² 20/3, n 4):
    // v1 = 1/3, v2 = 5/3, t = -3 / sqrt(2); df = 4 / ((1/9)/2 + (25/9)/3) = 4 / (1/18 + 25/27) = 216/53
    Stats.DifferenceTest welch = Stats.welch(Stats.mean(3, 6, 14), Stats.mean(4, 20, 120));
    assertEquals(-3 / Math.sqrt(2), welch.statistic(), TOLERANCE);
    assertEquals(216 / 53.0, welch.df(), TOLERANCE);
    // both all-successes: no spread, nothing to test
    assertTrue(Double.isNaN(Stats.twoProportion(Stats.wilson(5, 5), Stats.wilson(9, 9)).pValue()));
  }

  @Test
  void aDifferenceWithoutSpreadOnEitherSideIsNotTestedEvenWhenTheValuesDiffer() {
    // 30 promoters (NPS 100, se 0) against 30 detractors (NPS -100, se 0): z would be 200/0.
    Stats.DifferenceTest nps = Stats.npsDifference(Stats.nps(30, 30, 0), Stats.nps(30, 0, 30));
    assertTrue(Double.isNaN(nps.statistic()));
    assertTrue(Double.isNaN(nps.pValue()));
    // 100% against 0% is tested: the pooled share 0.5 gives z = 1/√(0.25·2/30) = √60.
    assertEquals(Math.sqrt(60), Stats.twoProportion(Stats.wilson(30, 30), Stats.wilson(0, 30)).statistic(),
        TOLERANCE);
    // Spread on one side is enough to test, for every kind:
    // NPS 100 against 0 from 10 P and 10 D of 20: se₂² = 100²·(1 − 0)/20 = 500, z = 100/√500 = √20;
    assertEquals(Math.sqrt(20), Stats.npsDifference(Stats.nps(30, 30, 0), Stats.nps(20, 10, 10)).statistic(),
        TOLERANCE);
    // 30 of 30 against 15 of 30: pooled 0.75, z = 0.5/√(0.1875·2/30) = √20;
    assertEquals(Math.sqrt(20), Stats.twoProportion(Stats.wilson(30, 30), Stats.wilson(15, 30)).statistic(),
        TOLERANCE);
    // thirty 5s against 1, 2, 3 (s² 1): t = 3/√(1/3) = 3√3, df = (1/3)²/((1/3)²/2) = 2.
    Stats.DifferenceTest welch = Stats.welch(Stats.mean(30, 150, 750), Stats.mean(3, 6, 14));
    assertEquals(3 * Math.sqrt(3), welch.statistic(), TOLERANCE);
    assertEquals(2.0, welch.df(), TOLERANCE);
  }

  // ----------------------------------------------------------------------------- least squares

  @Test
  void leastSquaresOnAConstantXHasNoSlope() {
    // Thirty pairs of x = 0.7 and y = 1..30, summed one by one: Sxx = Σx² − (Σx)²/n comes out
    // 1.8e-14, not 0, and the slope was Sxy's rounding divided by it. x does not vary, so the
    // slope is undefined: every figure is NaN.
    double[] x = new double[30];
    double[] y = new double[30];
    for (int i = 0; i < 30; i++) {
      x[i] = 0.7;
      y[i] = i + 1;
    }
    double[] s = pairSums(x, y);
    // The precondition this test exists for: the one-pass Sxx is positive.
    assertTrue(s[2] - s[0] * s[0] / 30 > 0);
    Stats.Slope line = Stats.leastSquares(30, s[0], s[1], s[2], s[3], s[4]);
    assertAll(
        () -> assertTrue(Double.isNaN(line.slope()), "slope " + line.slope()),
        () -> assertTrue(Double.isNaN(line.se())),
        () -> assertTrue(Double.isNaN(line.low())),
        () -> assertTrue(Double.isNaN(line.high())),
        () -> assertTrue(Double.isNaN(line.t())),
        () -> assertTrue(Double.isNaN(line.pValue())));
  }

  @Test
  void leastSquaresOfAConstantYIsAFlatLineWithNothingToTest() {
    // y = 0.7 against x = 1..30: Syy and Sxy come out as rounding residues. y does not vary, so
    // Syy = 0 and with it Sxy = 0 (|Sxy| ≤ √(Sxx·Syy)): slope 0 with se 0 and the interval
    // [0, 0]; its t would be 0/0, so t and p are NaN (as for a difference without spread).
    double[] x = new double[30];
    double[] y = new double[30];
    for (int i = 0; i < 30; i++) {
      x[i] = i + 1;
      y[i] = 0.7;
    }
    double[] s = pairSums(x, y);
    // The precondition this test exists for: the one-pass Syy is positive.
    assertTrue(s[4] - s[1] * s[1] / 30 > 0);
    Stats.Slope line = Stats.leastSquares(30, s[0], s[1], s[2], s[3], s[4]);
    assertAll(
        () -> assertEquals(0.0, line.slope(), 0.0),
        () -> assertEquals(0.7, line.intercept(), 1e-15),
        () -> assertEquals(0.0, line.se(), 0.0),
        () -> assertEquals(0.0, line.low(), 0.0),
        () -> assertEquals(0.0, line.high(), 0.0),
        () -> assertTrue(Double.isNaN(line.t()), "t " + line.t()),
        () -> assertTrue(Double.isNaN(line.pValue()), "p " + line.pValue()));
  }

  /** Σx, Σy, Σx², Σxy, Σy², summed one by one. */
  private static double[] pairSums(double[] x, double[] y) {
    double[] sums = new double[5];
    for (int i = 0; i < x.length; i++) {
      sums[0] += x[i];
      sums[1] += y[i];
      sums[2] += x[i] * x[i];
      sums[3] += x[i] * y[i];
      sums[4] += y[i] * y[i];
    }
    return sums;
  }
}
