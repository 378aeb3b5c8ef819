package io.satlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import io.satlake.io.Csv;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Prints a query result as an aligned table or as RFC 4180 CSV with a header; arrays, maps and structs as JSON. */
public final class SqlOutput {
  private SqlOutput() {}

  public static void print(Dataset<Row> result, String format, int limit, PrintStream out) {
    String[] columns = result.columns();
    List<Row> rows = withJson(result).limit(limit + 1).collectAsList(); // a user's query result, bounded
    boolean truncated = rows.size() > limit;
    if (truncated) {
      rows = rows.subList(0, limit);
    }
    if (format.equals("csv")) {
      out.println(Csv.line(List.of(columns).stream().map(c -> (Object) c).toList()));
      for (Row row : rows) {
        out.println(Csv.line(values(row)));
      }
    } else {
      int[] width = new int[columns.length];
      for (int i = 0; i < columns.length; i++) {
        width[i] = columns[i].length();
      }
      for (Row row : rows) {
        for (int i = 0; i < columns.length; i++) {
          width[i] = Math.max(width[i], text(row.get(i)).length());
        }
      }
      StringBuilder header = new StringBuilder();
      StringBuilder rule = new StringBuilder();
      for (int i = 0; i < columns.length; i++) {
        header.append(i == 0 ? "" : " | ").append(pad(columns[i], width[i]));
        rule.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
      }
      out.println(header);
      out.println(rule);
      for (Row row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
          line.append(i == 0 ? "" : " | ").append(pad(text(row.get(i)), width[i]));
        }
        out.println(line);
      }
      out.println("(" + rows.size() + " row" + (rows.size() == 1 ? "" : "s") + (truncated ? ", truncated at --limit" : "") + ")");
    }
  }

  /**
   * Arrays, maps and structs as JSON text ({@code ["a","b"]}, {@code {"k":1}}): collected, they
   * would print as Scala's WrappedArray(a, b) and Map(k -> 1). Columns are renamed by position
   * first, as a result may repeat a name.
   */
  static Dataset<Row> withJson(Dataset<Row> result) {
    StructField[] fields = result.schema().fields();
    if (Arrays.stream(fields).noneMatch(f -> complex(f.dataType()))) {
      return result;
    }
    String[] names = new String[fields.length];
    Column[] columns = new Column[fields.length];
    for (int i = 0; i < fields.length; i++) {
      names[i] = "c" + i;
      columns[i] = complex(fields[i].dataType()) ? to_json(col(names[i])) : col(names[i]);
    }
    return result.toDF(names).select(columns);
  }

  private static boolean complex(DataType type) {
    return type instanceof ArrayType || type instanceof MapType || type instanceof StructType;
  }

  private static List<Object> values(Row row) {
    List<Object> values = new java.util.ArrayList<>();
    for (int i = 0; i < row.length(); i++) {
      values.add(row.get(i));
    }
    return values;
  }

  private static String text(Object value) {
    return value == null ? "NULL" : value.toString();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }
}
