package io.satlake.quality;

/**
 * Why an input row was rejected, in the order a response's rules are checked. The names are stable
 * strings: part of the table contract.
 */
public enum RejectReason {
  MALFORMED_RECORD("the line could not be parsed (wrong field count, bad quoting); in the CRM also a non-numeric behaviour value or a churned value that is not a boolean"),
  MISSING_RESPONSE_ID("response_id empty after trimming"),
  MISSING_CUSTOMER_ID("customer_id empty after trimming"),
  INVALID_DATE("survey_date missing, or not a real calendar date in the expected format; in the CRM a signup_date that is not a real date"),
  SCORE_OUT_OF_RANGE("a score outside its scale, or not a whole number (e.g. 7.5, abc)"),
  NO_SCORES("no score of any kind"),
  UNMATCHED_CUSTOMER("customer not in the CRM (only with unmatched-customer-policy = reject)"),
  DUPLICATE_RESPONSE_ID("a second or later copy of a response id (the first in input order is kept)"),
  DUPLICATE_CUSTOMER_ID("CRM: a second or later row for a customer id (the first in input order is kept)");

  public final String meaning;

  RejectReason(String meaning) {
    this.meaning = meaning;
  }
}
