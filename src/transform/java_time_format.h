#pragma once

// java.time's ZoneId.of and DateTimeFormatter, formatting an Instant only, as
// the Record2JsonStringConverter SMT uses them (JsonDateTimeAsStringConverter:
// a predefined constant or DateTimeFormatter.ofPattern, then withZone).
//
// Checked against Java 17's own output: testdata/java_time_format_java.tsv
// (regenerate with testdata/JavaTimeGolden.java). Text is Locale.US English
// (the worker's default locale in the usual deployments).
//
// Scope. The predefined constants ISO_DATE, ISO_DATE_TIME, ISO_INSTANT,
// ISO_TIME, ISO_LOCAL_DATE, ISO_LOCAL_DATE_TIME, ISO_LOCAL_TIME,
// RFC_1123_DATE_TIME, ISO_ZONED_DATE_TIME, ISO_OFFSET_DATE,
// ISO_OFFSET_DATE_TIME, ISO_OFFSET_TIME, BASIC_ISO_DATE, ISO_ORDINAL_DATE and
// ISO_WEEK_DATE; patterns with the letters u y M d H h m s S n a E z (1-3) Z
// (1-3, 5) X x VV, 'quoted' text and [optional] sections (always printed: an
// Instant with a zone has every field). Other letters Java accepts (G D L Q q
// Y w W e c F K k A N g B O v zzzz ZZZZ and padding p) are refused with an
// error naming the letter, never formatted differently; letters Java does not
// know get Java's own messages ("Unknown pattern letter: b").

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ferry {

// java.time.ZoneId.of(id): a ZoneOffset ("Z", "+01:00", "-8"), a region with
// a UTC / GMT / UT prefix ("UTC", "GMT+2"), or a region Java 17 knows
// (ZoneId.getAvailableZoneIds(): "Europe/Zurich", "CET"), whose rules come
// from this machine's tz database. Errors carry Java's DateTimeException text
// ("Unknown time-zone ID: Europe/Nowhere").
class JavaZoneId {
 public:
  static absl::StatusOr<JavaZoneId> Of(std::string_view id);

  // ZoneId.getId(): "Z", "+05:30", "UTC+01:00", "Europe/Zurich".
  const std::string& id() const { return id_; }
  bool is_offset() const { return kind_ == Kind::kOffset; }
  int OffsetSeconds(int64_t epoch_seconds) const;
  // Pattern letter 'z' (TextStyle.SHORT): Java's short English name of the
  // region (standard or daylight at that instant), the ID of an offset or an
  // offset-prefixed region.
  std::string ShortName(int64_t epoch_seconds) const;

 private:
  enum class Kind { kOffset, kFixedRegion, kRegion };
  std::string id_;
  Kind kind_ = Kind::kOffset;
  int fixed_offset_ = 0;
  absl::TimeZone tz_;
  std::string standard_name_;
  std::string daylight_name_;
};

class JavaDateTimeFormatter {
 public:
  // `pattern` empty: ISO_INSTANT (as JsonDateTimeAsStringConverter for null
  // or ""); a predefined constant's name (case-insensitive, as the SMT's
  // switch on toUpperCase()); else DateTimeFormatter.ofPattern(pattern).
  // Java's IllegalArgumentException texts for bad patterns.
  static absl::StatusOr<JavaDateTimeFormatter> Create(std::string_view pattern, JavaZoneId zone);

  // formatter.withZone(zone).format(Instant.ofEpochMilli(epoch_millis)).
  // Fails with Java's DateTimeException text where Java throws ("Field Year
  // cannot be printed as the value 10000 exceeds the maximum print width of
  // 4"), and for years ISO_INSTANT would print before -9999 (ferry does not).
  absl::StatusOr<std::string> Format(int64_t epoch_millis) const;

  struct Element;

 private:
  JavaDateTimeFormatter(std::shared_ptr<const std::vector<Element>> elements, JavaZoneId zone)
      : elements_(std::move(elements)), zone_(std::move(zone)) {}
  std::shared_ptr<const std::vector<Element>> elements_;
  JavaZoneId zone_;
};

}  // namespace ferry
