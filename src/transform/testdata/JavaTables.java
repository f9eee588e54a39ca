import java.time.*;
import java.util.*;

// Generates the tables ferry's Record2JsonStringConverter needs, from Java 17:
//   java src/transform/testdata/JavaTables.java escape  -> json_escape_table.inc (body)
//   java src/transform/testdata/JavaTables.java zones   -> java_zones.inc (body)
public class JavaTables {
  static boolean passes(int t) {
    switch (t) {
      case Character.UPPERCASE_LETTER: case Character.LOWERCASE_LETTER: case Character.TITLECASE_LETTER:
      case Character.OTHER_LETTER: case Character.DECIMAL_DIGIT_NUMBER: case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER: case Character.SPACE_SEPARATOR: case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION: case Character.START_PUNCTUATION: case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION: case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION: case Character.MATH_SYMBOL: case Character.CURRENCY_SYMBOL:
      case Character.MODIFIER_SYMBOL: case Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }
  public static void main(String[] args) {
    if (args[0].equals("escape")) {
      int start = -1;
      for (int c = 0; c <= 0x10000; c++) {
        boolean esc = c < 0x10000 && !passes(Character.getType((char) c));
        if (esc && start < 0) start = c;
        if (!esc && start >= 0) {
          System.out.printf("    {0x%04X, 0x%04X},%n", start, c - 1);
          start = -1;
        }
      }
    } else {
      List<String> ids = new ArrayList<>(ZoneId.getAvailableZoneIds());
      Collections.sort(ids);
      for (String id : ids) {
        TimeZone tz = TimeZone.getTimeZone(id);
        System.out.printf("    {\"%s\", \"%s\", \"%s\"},%n", id,
            tz.getDisplayName(false, TimeZone.SHORT, Locale.US),
            tz.getDisplayName(true, TimeZone.SHORT, Locale.US));
      }
    }
  }
}
