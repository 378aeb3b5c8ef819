package io.satlake.weighting;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Raking (iterative proportional fitting) of respondent weights to population margins, on the
 * small table of respondent cells (one category per raking dimension), so it runs on the
 * driver: every respondent of a cell gets the cell's weight. One dimension is
 * post-stratification, which converges in one cycle.
 *
 * <p>A cycle scales the cells of each dimension in turn so that its weighted category totals
 * equal population share × n, then trims the weights to [min, max]. Each scaling leaves Σw = n,
 * so the mean weight is 1 and the bounds are relative to it. Raking stops when every weighted
 * category share is within the tolerance of its population share.
 */
public final class Raking {
  private Raking() {}

  /** Respondents sharing one category of every raking dimension (in the dimensions' order). */
  public record Cell(List<String> categories, long respondents) {}

  /**
   * @param weights one per cell, in the cells' order
   * @param weightedShares per dimension, each category's weighted share of the respondents
   */
  public record Result(double[] weights, int iterations, double maxError, List<Map<String, Double>> weightedShares) {}

  /**
   * @param populationShares per dimension (in order), each category's share of the population
   * @throws SatlakeException (bad input) when a category has respondents but no population or
   *     the reverse, or when the margins are not within the tolerance after max-iterations cycles
   */
  public static Result rake(List<String> dimensions, List<Cell> cells, List<Map<String, Double>> populationShares,
      Settings.Weighting settings) {
    int dims = dimensions.size();
    List<List<String>> categories = new ArrayList<>();
    int[][] categoryOf = new int[dims][cells.size()];
    double[][] targetShare = new double[dims][];
    for (int d = 0; d < dims; d++) {
      Map<String, Long> sampled = new LinkedHashMap<>();
      for (Cell c : cells) {
        sampled.merge(c.categories().get(d), c.respondents(), Long::sum);
      }
      requireSameCategories(dimensions.get(d), sampled, populationShares.get(d));
      List<String> names = new ArrayList<>(populationShares.get(d).keySet());
      categories.add(names);
      targetShare[d] = names.stream().mapToDouble(populationShares.get(d)::get).toArray();
      for (int c = 0; c < cells.size(); c++) {
        categoryOf[d][c] = names.indexOf(cells.get(c).categories().get(d));
      }
    }
    double[] respondents = cells.stream().mapToDouble(Cell::respondents).toArray();
    double n = Arrays.stream(respondents).sum();
    double[] w = new double[cells.size()];
    Arrays.fill(w, 1.0);
    Margin worst = null;
    for (int iteration = 1; iteration <= settings.maxIterations(); iteration++) {
      for (int d = 0; d < dims; d++) {
        double[] totals = totals(d, categoryOf, respondents, w, targetShare[d].length);
        for (int c = 0; c < w.length; c++) {
          int k = categoryOf[d][c];
          w[c] *= targetShare[d][k] * n / totals[k];
        }
      }
      for (int c = 0; c < w.length; c++) {
        w[c] = Math.min(settings.trimMax(), Math.max(settings.trimMin(), w[c]));
      }
      worst = worstMargin(dimensions, categories, categoryOf, respondents, w, targetShare);
      if (worst.error() <= settings.tolerance()) {
        List<Map<String, Double>> shares = new ArrayList<>();
        for (int d = 0; d < dims; d++) {
          double[] totals = totals(d, categoryOf, respondents, w, targetShare[d].length);
          double sum = Arrays.stream(totals).sum();
          Map<String, Double> byCategory = new LinkedHashMap<>();
          for (int k = 0; k < totals.length; k++) {
            byCategory.put(categories.get(d).get(k), totals[k] / sum);
          }
          shares.add(byCategory);
        }
        return new Result(w, iteration, worst.error(), shares);
      }
    }
    throw SatlakeException.badInput(String.format(Locale.ROOT,
        "satlake.weighting: raking on %s did not converge in %d iterations (satlake.weighting.max-iterations): the"
            + " largest margin error is %.6g at %s = '%s' (weighted share %.6f, population share %.6f; tolerance %g)."
            + " Trimming to [%s, %s] x the mean weight may put the margins out of reach: widen"
            + " satlake.weighting.trim, collapse sparse categories, or rake on fewer dimensions",
        dimensions, settings.maxIterations(), worst.error(), worst.dimension(), worst.category(),
        worst.weightedShare(), worst.populationShare(), settings.tolerance(), settings.trimMin(),
        settings.trimMax()));
  }

  /**
   * Every category with respondents needs customers to rake to, and every category with
   * customers needs respondents to carry its share: otherwise raking cannot reach the margin.
   */
  private static void requireSameCategories(String dimension, Map<String, Long> sampled,
      Map<String, Double> population) {
    for (Map.Entry<String, Long> e : sampled.entrySet()) {
      if (population.getOrDefault(e.getKey(), 0.0) <= 0) {
        throw SatlakeException.badInput("satlake.weighting: " + dimension + " = '" + e.getKey() + "' has "
            + e.getValue() + " respondents but no customers in the population");
      }
    }
    for (Map.Entry<String, Double> e : population.entrySet()) {
      if (e.getValue() > 0 && !sampled.containsKey(e.getKey())) {
        throw SatlakeException.badInput(String.format(Locale.ROOT, "satlake.weighting: %s = '%s' holds %.4f%% of the"
            + " population but has no respondents in the window, so no weight can represent it; collapse it into"
            + " another category in the CRM or remove %s from satlake.weighting.dimensions",
            dimension, e.getKey(), 100 * e.getValue(), dimension));
      }
    }
  }

  private record Margin(String dimension, String category, double weightedShare, double populationShare) {
    double error() {
      return Math.abs(weightedShare - populationShare);
    }
  }

  private static Margin worstMargin(List<String> dimensions, List<List<String>> categories, int[][] categoryOf,
      double[] respondents, double[] w, double[][] targetShare) {
    Margin worst = null;
    for (int d = 0; d < dimensions.size(); d++) {
      double[] totals = totals(d, categoryOf, respondents, w, targetShare[d].length);
      double sum = Arrays.stream(totals).sum();
      for (int k = 0; k < totals.length; k++) {
        Margin m = new Margin(dimensions.get(d), categories.get(d).get(k), totals[k] / sum, targetShare[d][k]);
        if (worst == null || m.error() > worst.error()) {
          worst = m;
        }
      }
    }
    return worst;
  }

  /** Weighted respondents per category of dimension d. */
  private static double[] totals(int d, int[][] categoryOf, double[] respondents, double[] w, int categories) {
    double[] totals = new double[categories];
    for (int c = 0; c < w.length; c++) {
      totals[categoryOf[d][c]] += respondents[c] * w[c];
    }
    return totals;
  }
}
