// Writes date_format_java.tsv: what java.text.SimpleDateFormat (Locale.US,
// UTC, lenient: as Kafka Connect's TimestampConverter and TimestampRouter set
// it up) prints and parses, for date_format_test.cc to compare ferry against.
//
//   javac JavaDateFormatGolden.java && java JavaDateFormatGolden > date_format_java.tsv
//
// Rows: F <pattern> <epoch millis> <formatted> | P <pattern> <text> <millis or ERROR>.
// Instants stay after 1582 (Java's Gregorian cutover year): before it Java's calendar is Julian and
// ferry's proleptic Gregorian (a documented difference).
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.Locale;
import java.util.TimeZone;

public class JavaDateFormatGolden {
  static SimpleDateFormat of(String pattern) {
    SimpleDateFormat f = new SimpleDateFormat(pattern, Locale.US);
    f.setTimeZone(TimeZone.getTimeZone("UTC"));
    return f;
  }

  public static void main(String[] args) {
    String[] patterns = {
      "G GG GGG GGGG", "y yy yyy yyyy yyyyy", "Y YY YYY YYYY YYYYY", "M MM MMM MMMM MMMMM",
      "L LL LLL LLLL", "w ww www", "W WW", "D DD DDD DDDD", "d dd ddd", "F FF", "E EE EEE EEEE EEEEE",
      "u uu uuu", "a aa", "H HH", "k kk", "K KK", "h hh", "m mm", "s ss", "S SS SSS SSSS",
      "z zz zzz zzzz", "Z ZZ ZZZZ", "X XX XXX", "YYYY-'W'ww-u", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
      "yyyyMMdd", "yyyy/MM/dd HH", "EEE, d MMM yyyy HH:mm:ss Z", "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
      "hh 'o''clock' a, zzzz", "K:mm a, z", "yyyyy.MMMMM.dd GGG hh:mm aaa", "yyyy.MM.dd G 'at' HH:mm:ss z",
      "YYYY-ww", "yyyy-MM-W-F-E", "'week' w 'of' Y", "kk:mm KK:mm a",
    };
    long day = 86400000L;
    long[] instants = {
      0L, -1L, 1L, 999L, 1700000000123L, 994248536235L, 951782400000L, 951868799999L,
      1230681600000L, 1230768000000L, 1262217600000L, 1293753600000L, 1325289600000L,
      1356912000000L, 1388448000000L, 1419984000000L, 1451520000000L, 1451606400000L,
      1483142400000L, 1514678400000L, 1546214400000L, 1577750400000L, 1609372800000L,
      1609459200000L, 1640908800000L, 1672444800000L, 1703980800000L, 1704067199999L,
      1735430400000L, 1735516800000L, 1735689599999L, 253402300799999L,
      -30L * 365 * day, -11676096000000L, 4102444800000L, 43200000L, 43199999L, 82800000L,
    };
    for (String p : patterns) {
      SimpleDateFormat f = of(p);
      for (long ms : instants) {
        System.out.println("F\t" + p + "\t" + ms + "\t" + f.format(new Date(ms)));
      }
    }
    String[][] parses = {
      {"yyyy-MM-dd", "2023-02-30"}, {"yyyy-MM-dd", "2023-13-01"}, {"yyyy-MM-dd", "2024-00-00"},
      {"YYYY-MM-dd", "2024-12-30"}, {"YYYY-ww-u", "2025-01-1"}, {"YYYY-ww-E", "2025-01-Mon"},
      {"YYYY-ww-u", "2021-01-7"}, {"YYYY-ww", "2021-53"}, {"YYYY", "2025"}, {"Y-w", "2020-53"},
      {"yyyy-ww", "2024-10"}, {"yyyy-ww-EEEE", "2024-10-friday"}, {"u yyyy-ww", "3 2024-02"},
      {"yyyy-MM-W-E", "2024-03-2-Tue"}, {"yyyy-MM-W", "2024-03-1"}, {"yyyy-MM-F-E", "2024-03-2-Tue"},
      {"yyyy-MM-F", "2024-03-5"}, {"yyyy-DDD", "2024-366"}, {"yyyy-DDD", "2023-366"},
      {"yyyy-MM-dd-DDD", "2024-01-01-100"}, {"yyyy-DDD-MM-dd", "2024-100-01-01"},
      {"yy-MM-dd", "69-01-01"}, {"yy-MM-dd", "99-12-31"}, {"y-MM-dd", "24-01-01"},
      {"hh:mm a", "12:30 AM"}, {"hh:mm a", "12:30 pm"}, {"hh:mm a", "01:30 PM"}, {"h:mm", "12:30"},
      {"kk:mm", "24:00"}, {"kk:mm", "12:00"}, {"KK:mm a", "11:59 PM"}, {"KK:mm", "12:00"},
      {"HH:mm a", "13:00 PM"}, {"a HH:mm", "PM 01:00"},
      {"yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 +0130"}, {"yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 -0800"},
      {"yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 GMT"}, {"yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 UTC"},
      {"yyyy-MM-dd HH:mm XXX", "2024-01-01 10:00 -05:00"}, {"yyyy-MM-dd HH:mm XX", "2024-01-01 10:00 +0545"},
      {"yyyy-MM-dd HH:mm X", "2024-01-01 10:00 +05"}, {"yyyy-MM-dd HH:mm X", "2024-01-01 10:00 Z"},
      {"yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT+2:30"}, {"yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT-11:00"},
      {"yyyy-MM-dd HH:mm zzzz", "2024-01-01 10:00 Coordinated Universal Time"},
      {"EEE, d MMM yyyy", "wednesday, 4 JULY 2001"}, {"EEE, d MMM yyyy", "Wed, 4 Jul 2001"},
      {"MMMM d, yyyy", "february 29, 2023"}, {"LLL yyyy", "Sep 2024"}, {"G yyyy-MM-dd", "AD 2024-01-02"},
      {"yyyyMMddHHmmss", "20240102030405"}, {"yyyyMMdd", "2024012"}, {"yyyyMMdd", "20240102"},
      {"yyyy-MM-dd", "  2024-01-02"}, {"yyyy-MM-dd", "2024- 1- 2"}, {"yyyy-MM-dd", "2024-1-2xyz"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSS", "2024-01-02T03:04:05.123456"}, {"yyyy-MM-dd'T'HH:mm:ss.SSS", "2024-01-02T03:04:05.1"},
      {"yyyy-MM-dd HH", "2024-01-02 25"}, {"yyyy-MM-dd HH:mm:ss", "2024-01-02 23:59:60"},
      {"yyyy-MM-dd", "abc"}, {"yyyy-MM-dd", "2024-01"}, {"yyyy-MM-dd", ""}, {"EEE yyyy", "Xyz 2024"},
      {"yyyy 'at' HH", "2024 at 10"}, {"yyyy 'at' HH", "2024 AT 10"}, {"yyyy''HH", "2024'10"},
    };
    for (String[] c : parses) {
      String result;
      try {
        result = Long.toString(of(c[0]).parse(c[1]).getTime());
      } catch (ParseException e) {
        result = "ERROR";
      }
      System.out.println("P\t" + c[0] + "\t" + c[1] + "\t" + result);
    }
  }
}
