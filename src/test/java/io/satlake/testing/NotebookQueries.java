package io.satlake.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The SQL of a notebook under notebooks/: every {@code sql("""...""")} of its code cells, in order. */
public final class NotebookQueries {
  private static final Pattern QUERY = Pattern.compile("sql\\(\"\"\"(.*?)\"\"\"\\)", Pattern.DOTALL);

  private NotebookQueries() {}

  public static List<String> of(Path notebook) throws IOException {
    List<String> queries = new ArrayList<>();
    for (JsonNode cell : new ObjectMapper().readTree(notebook.toFile()).get("cells")) {
      if (cell.get("cell_type").asText().equals("code")) {
        StringBuilder source = new StringBuilder();
        cell.get("source").forEach(line -> source.append(line.asText()));
        Matcher m = QUERY.matcher(source);
        while (m.find()) {
          queries.add(m.group(1).strip());
        }
      }
    }
    return queries;
  }

  /** Fills in {@code {name}} parameters as the notebook's Python {@code str.format} does. */
  public static String fill(String query, Map<String, String> parameters) {
    String filled = query;
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      filled = filled.replace("{" + p.getKey() + "}", p.getValue());
    }
    if (filled.contains("{") || filled.contains("}")) {
      throw new IllegalArgumentException("a parameter is not filled in: " + filled);
    }
    return filled;
  }
}
