package io.satlake.metrics;

import java.time.LocalDate;

/**
 * The mergeable aggregate state of one segment and period: counts and exact integer sums, so
 * period states add up to window states without rescanning responses.
 * Mean scores (CES, then each dimension) are kept as n, sum and sum of squares. Public as an
 * opaque value so trends can merge and compare states; only {@link Metric} reads its sums.
 */
public final class ScoreState {
  long responses;
  long npsN;
  long promoters;
  long detractors;
  long csatN;
  long csatTop2;
  final long[] meanN;
  final long[] meanSum;
  final long[] meanSumSquares;
  /** Weighted sums per measure (survey weights). */
  final WeightedSums weighted = new WeightedSums();
  /** The satisfaction index is a (non-integer) average of rescaled ratings: double sums. */
  long indexN;
  double indexSum;
  double indexSumSquares;
  /**
   * Rounding that the index's sums carry beyond their own: a complement ({@link #minus}) keeps
   * the absolute rounding of the larger sums it was taken from, which its own smaller sums would
   * not account for (two constant groups would then seem to vary). 0 for sums of responses.
   */
  double indexInheritedRounding;
  /** Responses with any complaint, and with each configured complaint category. */
  long complaints;
  final long[] categoryComplaints;
  /** First response date of a period state (window states leave it unset). */
  LocalDate firstDate;

  ScoreState(int meanScores, int complaintCategories) {
    meanN = new long[meanScores];
    meanSum = new long[meanScores];
    meanSumSquares = new long[meanScores];
    categoryComplaints = new long[complaintCategories];
  }

  /** An empty state of the same shape. */
  ScoreState emptyLike() {
    return new ScoreState(meanN.length, categoryComplaints.length);
  }

  void add(ScoreState other) {
    addTimes(other, 1);
  }

  /**
   * The responses of this state that are not in {@code part} (a subset of them): exact for the
   * integer sums; the satisfaction index's double sums keep the rounding of the whole state's.
   */
  public ScoreState minus(ScoreState part) {
    ScoreState rest = emptyLike();
    rest.add(this);
    rest.addTimes(part, -1);
    rest.indexInheritedRounding += Stats.sumsRounding(indexN, indexSumSquares);
    return rest;
  }

  private void addTimes(ScoreState other, int sign) {
    responses += sign * other.responses;
    npsN += sign * other.npsN;
    promoters += sign * other.promoters;
    detractors += sign * other.detractors;
    csatN += sign * other.csatN;
    csatTop2 += sign * other.csatTop2;
    weighted.add(other.weighted, sign);
    for (int i = 0; i < meanN.length; i++) {
      meanN[i] += sign * other.meanN[i];
      meanSum[i] += sign * other.meanSum[i];
      meanSumSquares[i] += sign * other.meanSumSquares[i];
    }
    indexN += sign * other.indexN;
    indexSum += sign * other.indexSum;
    indexSumSquares += sign * other.indexSumSquares;
    indexInheritedRounding += other.indexInheritedRounding; // bounds add, whatever the sign
    complaints += sign * other.complaints;
    for (int i = 0; i < categoryComplaints.length; i++) {
      categoryComplaints[i] += sign * other.categoryComplaints[i];
    }
  }

  public long responses() {
    return responses;
  }
}
