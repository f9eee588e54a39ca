import java.time.*;
import java.time.format.*;
import java.util.*;

// Prints Java 17's DateTimeFormatter / ZoneId behaviour for java_time_format_test:
//   java src/transform/testdata/JavaTimeGolden.java > src/transform/testdata/java_time_format_java.tsv
public class JavaTimeGolden {
  static void f(String pat, String zone, long ms) {
    try {
      DateTimeFormatter f;
      switch (pat) {
        case "ISO_DATE": f = DateTimeFormatter.ISO_DATE; break;
        case "ISO_DATE_TIME": f = DateTimeFormatter.ISO_DATE_TIME; break;
        case "ISO_INSTANT": f = DateTimeFormatter.ISO_INSTANT; break;
        case "ISO_TIME": f = DateTimeFormatter.ISO_TIME; break;
        case "ISO_LOCAL_DATE": f = DateTimeFormatter.ISO_LOCAL_DATE; break;
        case "ISO_LOCAL_DATE_TIME": f = DateTimeFormatter.ISO_LOCAL_DATE_TIME; break;
        case "ISO_LOCAL_TIME": f = DateTimeFormatter.ISO_LOCAL_TIME; break;
        case "RFC_1123_DATE_TIME": f = DateTimeFormatter.RFC_1123_DATE_TIME; break;
        case "ISO_ZONED_DATE_TIME": f = DateTimeFormatter.ISO_ZONED_DATE_TIME; break;
        case "ISO_OFFSET_DATE": f = DateTimeFormatter.ISO_OFFSET_DATE; break;
        case "ISO_OFFSET_DATE_TIME": f = DateTimeFormatter.ISO_OFFSET_DATE_TIME; break;
        case "ISO_OFFSET_TIME": f = DateTimeFormatter.ISO_OFFSET_TIME; break;
        case "BASIC_ISO_DATE": f = DateTimeFormatter.BASIC_ISO_DATE; break;
        case "ISO_ORDINAL_DATE": f = DateTimeFormatter.ISO_ORDINAL_DATE; break;
        case "ISO_WEEK_DATE": f = DateTimeFormatter.ISO_WEEK_DATE; break;
        default: f = DateTimeFormatter.ofPattern(pat);
      }
      System.out.println("F\t" + pat + "\t" + zone + "\t" + ms + "\t" + f.withZone(ZoneId.of(zone)).format(new Date(ms).toInstant()));
    } catch (Exception e) {
      System.out.println("F\t" + pat + "\t" + zone + "\t" + ms + "\tERR " + e.getMessage());
    }
  }
  public static void main(String[] a) {
    Locale.setDefault(Locale.US);
    long[] ms = {1670025600000L, 1670068800123L, 1688212800100L, -1L, 253402300800000L, 1704067199999L};
    String[] pats = {"ISO_DATE","ISO_DATE_TIME","ISO_INSTANT","ISO_TIME","ISO_LOCAL_DATE","ISO_LOCAL_DATE_TIME","ISO_LOCAL_TIME","RFC_1123_DATE_TIME","ISO_ZONED_DATE_TIME","ISO_OFFSET_DATE","ISO_OFFSET_DATE_TIME","ISO_OFFSET_TIME","BASIC_ISO_DATE","ISO_ORDINAL_DATE","ISO_WEEK_DATE",
      "dd.MM.yyyy HH:mm z", "uuuu-M-d h:m:s a", "yy yyy yyyyy MMM MMMM MMMMM E EEEE EEEEE", "HH:mm:ss.SSS SS S n nnnnnnnnnn", "Z ZZ ZZZ ZZZZZ X XX XXX XXXX XXXXX x xx xxx xxxx xxxxx", "VV z zz zzz", "'it''s' '' yyyy"};
    String[] zones = {"UTC", "CET", "Europe/Zurich", "+05:30", "Z", "UTC+01:00", "GMT", "America/Sao_Paulo", "Europe/Dublin", "-03:00:15", "Asia/Kolkata"};
    for (String p : pats) for (String z : zones) for (long m : ms) f(p, z, m);
    for (String bad : new String[]{"Europe/Nowhere", "+1:0", "UTC+25", "utc", "", "X", "+19", "Foo Bar", "UTC+01:00", "UT+2", "GMT0", "Etc/GMT+5", "EST", "SystemV/AST4"}) {
      try { System.out.println("ZONE\t" + bad + "\t" + ZoneId.of(bad) + "\t" + ZoneId.of(bad).getClass().getSimpleName()); } catch (Exception e) { System.out.println("ZONE\t" + bad + "\tERR " + e.getMessage()); }
    }
    for (String bad : new String[]{"b", "dddd", "aa", "VVV", "zzzzz", "B", "{", "'abc", "MMMMMM", "EEEEEE", "HHH", "SSSSSSSSSS", "#", "yyyy[MM]", "q", "w", "ppH", "D", "LLL", "k", "O"}) {
      try { DateTimeFormatter.ofPattern(bad); System.out.println("PAT\t" + bad + "\tOK"); } catch (Exception e) { System.out.println("PAT\t" + bad + "\tERR " + e.getMessage()); }
    }
  }
}
