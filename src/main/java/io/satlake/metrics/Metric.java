package io.satlake.metrics;

import io.satlake.config.Settings;
import java.util.ArrayList;
import java.util.List;

/**
 * One tracked figure of segment_scores (its name is its column): how to finish it from a
 * {@link ScoreState}, and which direction is better. Trends, targets, benchmarks and alerts all
 * work on this list, so a metric added here is tracked everywhere.
 *
 * @param kind which interval and which difference test the metric uses
 * @param lowerIsBetter CES and complaint shares: a rise is a decline
 * @param label the name a manager reads, e.g. "CSAT"
 */
public record Metric(String name, Kind kind, boolean lowerIsBetter, String label, Source source, int slot) {

  /** NPS (Wald interval, NPS-difference z), a share in percent (Wilson, two-proportion z), a mean (t, Welch t). */
  public enum Kind { NPS, SHARE, MEAN }

  /** Where the metric's sums live in a state; slot indexes the arrays. */
  enum Source { NPS, CSAT, MEAN_SCORE, INDEX, COMPLAINTS, CATEGORY }

  public static final String COMPLAINT_SHARE = "complaint_share";

  /** nps, csat, ces, dim_&lt;name&gt;..., satisfaction_index, then complaint_share and one per category. */
  public static List<Metric> all(Settings settings) {
    List<Metric> metrics = new ArrayList<>();
    metrics.add(new Metric("nps", Kind.NPS, false, "NPS", Source.NPS, 0));
    metrics.add(new Metric("csat", Kind.SHARE, false, "CSAT", Source.CSAT, 0));
    metrics.add(new Metric("ces", Kind.MEAN, true, "CES", Source.MEAN_SCORE, 0));
    List<String> dimensions = settings.dimensions();
    for (int i = 0; i < dimensions.size(); i++) {
      metrics.add(new Metric("dim_" + dimensions.get(i), Kind.MEAN, false,
          dimensions.get(i).replace('_', ' ') + " rating", Source.MEAN_SCORE, i + 1));
    }
    metrics.add(new Metric(Settings.SATISFACTION_INDEX, Kind.MEAN, false, "satisfaction index", Source.INDEX, 0));
    if (settings.tracking().complaintShares()) {
      metrics.add(new Metric(COMPLAINT_SHARE, Kind.SHARE, true, "complaint share", Source.COMPLAINTS, 0));
      List<String> categories = settings.tracking().complaintCategories();
      for (int i = 0; i < categories.size(); i++) {
        metrics.add(new Metric(COMPLAINT_SHARE + "_" + categories.get(i), Kind.SHARE, true,
            categories.get(i).replace('_', ' ') + " complaint share", Source.CATEGORY, i));
      }
    }
    return metrics;
  }

  /** The metric's n in a state: the responses that carry it (every response for complaint shares). */
  public long n(ScoreState s) {
    return switch (source) {
      case NPS -> s.npsN;
      case CSAT -> s.csatN;
      case MEAN_SCORE -> s.meanN[slot];
      case INDEX -> s.indexN;
      case COMPLAINTS, CATEGORY -> s.responses;
    };
  }

  /** The figure with its 95% interval, or null when no response carries the metric. */
  public Estimate estimate(ScoreState s) {
    long n = n(s);
    if (n <= 0) {
      return null;
    }
    return switch (source) {
      case NPS -> Estimate.of(Stats.nps(n, s.promoters, s.detractors));
      case CSAT -> Estimate.of(Stats.wilson(s.csatTop2, n));
      case COMPLAINTS -> Estimate.of(Stats.wilson(s.complaints, n));
      case CATEGORY -> Estimate.of(Stats.wilson(s.categoryComplaints[slot], n));
      case MEAN_SCORE -> Estimate.of(Stats.mean(n, s.meanSum[slot], s.meanSumSquares[slot]));
      case INDEX -> Estimate.of(Stats.mean(n, s.indexSum, s.indexSumSquares, s.indexInheritedRounding));
    };
  }

  /** {@code value} moved into the metric's scale: NPS −100..100, shares and the index 0..100, ratings 1..7. */
  public double withinScale(double value) {
    double low = switch (source) {
      case NPS -> -100;
      case MEAN_SCORE -> 1;
      case CSAT, COMPLAINTS, CATEGORY, INDEX -> 0;
    };
    double high = source == Source.MEAN_SCORE ? 7 : 100;
    return Math.max(low, Math.min(high, value));
  }

  /** True when {@code value} is worse than {@code reference} in this metric's direction. */
  public boolean worse(double value, double reference) {
    return lowerIsBetter ? value > reference : value < reference;
  }

  /**
   * A metric's figure: value and 95% interval (NaN bounds for a mean of one value) on the scale
   * of its segment_scores column, and the finished statistic it came from (one of the three).
   */
  public record Estimate(long n, double value, double low, double high, Stats.NpsEstimate nps,
      Stats.Proportion share, Stats.Mean mean) {

    static Estimate of(Stats.NpsEstimate e) {
      return new Estimate(e.n(), e.nps(), e.low(), e.high(), e, null, null);
    }

    static Estimate of(Stats.Proportion p) {
      return new Estimate(p.n(), p.pct(), p.low(), p.high(), null, p, null);
    }

    static Estimate of(Stats.Mean m) {
      return new Estimate(m.n(), m.mean(), m.low(), m.high(), null, null, m);
    }

    /** This figure against a reference figure of the same metric (NPS z, two-proportion z or Welch t). */
    public Stats.DifferenceTest versus(Estimate reference) {
      if (nps != null) {
        return Stats.npsDifference(nps, reference.nps);
      }
      return share != null ? Stats.twoProportion(share, reference.share) : Stats.welch(mean, reference.mean);
    }
  }
}
