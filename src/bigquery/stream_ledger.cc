#include "bigquery/stream_ledger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ferry::bigquery {
namespace {

constexpr char kMagic[] = "ferry-eo1";         // COMMITTED streams.
constexpr char kPendingMagic[] = "ferry-bm1";  // PENDING streams (batch mode).
// Kafka brokers refuse commit metadata over offset.metadata.max.bytes (4096
// by default); tables with nothing at or after the committed offset are
// dropped from the metadata beyond this size (a later row of theirs gets a new
// stream, made durable before its first append).
constexpr size_t kMetadataBudget = 3500;

// "<stream>[!<end>]"
absl::StatusOr<StreamLedger::Segment> ParseSegment(absl::string_view text) {
  StreamLedger::Segment segment;
  segment.durable = true;
  size_t bang = text.find('!');
  segment.stream = std::string(text.substr(0, bang));
  if (bang != absl::string_view::npos) {
    int64_t end = 0;
    if (!absl::SimpleAtoi(text.substr(bang + 1), &end) || end < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad stream end in '", text, "'"));
    }
    segment.end = end;
  }
  if (segment.stream.find("/streams/") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("'", segment.stream, "' is no stream name"));
  }
  return segment;
}

}  // namespace

std::string StreamLedger::TablePathOf(const std::string& stream) {
  size_t at = stream.find("/streams/");
  return at == std::string::npos ? stream : stream.substr(0, at);
}

absl::StatusOr<StreamLedger> StreamLedger::Parse(const std::string& metadata) {
  StreamLedger ledger;
  if (metadata.empty()) return ledger;
  std::vector<absl::string_view> words = absl::StrSplit(metadata, ' ', absl::SkipEmpty());
  if (!words.empty() && words[0] == kPendingMagic) ledger.pending_ = true;
  if (words.empty() || (words[0] != kMagic && words[0] != kPendingMagic)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the committed offset's metadata is not ferry's exactly-once state (",
                     metadata.substr(0, 64), ")"));
  }
  for (size_t w = 1; w < words.size(); ++w) {
    absl::string_view entry = words[w];
    size_t at = entry.find('@');
    if (at == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("bad exactly-once entry '", entry, "'"));
    }
    // "<stream>@<position>[!<end>][>..]": the first segment carries the position.
    absl::string_view first_stream = entry.substr(0, at);
    absl::string_view rest = entry.substr(at + 1);
    size_t stop = rest.find_first_of("!>");
    int64_t position = 0;
    if (!absl::SimpleAtoi(rest.substr(0, stop), &position) || position < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad position in '", entry, "'"));
    }
    std::string first_text(first_stream);
    if (stop != absl::string_view::npos && rest[stop] == '!') {
      size_t next = rest.find('>', stop);
      absl::StrAppend(&first_text, rest.substr(stop, next - stop));
      stop = next;
    }
    Table table;
    auto first = ParseSegment(first_text);
    if (!first.ok()) return first.status();
    table.chain.push_back(*std::move(first));
    if (stop != absl::string_view::npos) {
      for (absl::string_view part : absl::StrSplit(rest.substr(stop + 1), '>')) {
        auto segment = ParseSegment(part);
        if (!segment.ok()) return segment.status();
        table.chain.push_back(*std::move(segment));
      }
    }
    table.position = position;
    const std::string path = TablePathOf(table.chain.front().stream);
    ledger.Advance(table);
    ledger.tables_[path] = std::move(table);
  }
  return ledger;
}

void StreamLedger::Advance(Table& t) {
  while (t.current < t.chain.size() && t.chain[t.current].end &&
         t.position >= *t.chain[t.current].end && t.current + 1 < t.chain.size()) {
    ++t.current;
    t.position = 0;
  }
}

StreamLedger::Next StreamLedger::NextFor(const std::string& table) const {
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.chain.empty()) return Next::kNeedSegment;
  const Table& t = it->second;
  const Segment& segment = t.chain[t.current];
  if (segment.end) return t.position < *segment.end ? Next::kSkip : Next::kNeedSegment;
  return segment.durable ? Next::kAppend : Next::kNeedCheckpoint;
}

bool StreamLedger::NeedsSegment(const std::string& table, int64_t rows) const {
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.chain.empty()) return rows > 0;
  const Table& t = it->second;
  size_t segment = t.current;
  int64_t position = t.position;
  while (rows > 0) {
    const Segment& s = t.chain[segment];
    if (!s.end) return false;
    int64_t available = std::max<int64_t>(0, *s.end - position);
    if (rows <= available) return false;
    rows -= available;
    if (segment + 1 >= t.chain.size()) return true;
    ++segment;
    position = 0;
  }
  return false;
}

const StreamLedger::Segment* StreamLedger::Current(const std::string& table) const {
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.chain.empty()) return nullptr;
  return &it->second.chain[it->second.current];
}

int64_t StreamLedger::Position(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? 0 : it->second.position;
}

void StreamLedger::AddSegment(const std::string& table, const std::string& stream) {
  Table& t = tables_[table];
  t.chain.push_back(Segment{stream, std::nullopt, false});
  if (t.chain.size() == 1) {
    t.current = 0;
    t.position = 0;
  } else {
    Advance(t);
  }
}

void StreamLedger::MarkDurable() {
  for (auto& [path, t] : tables_) {
    for (Segment& s : t.chain) s.durable = true;
  }
}

bool StreamLedger::HasNonDurable() const {
  for (const auto& [path, t] : tables_) {
    for (const Segment& s : t.chain) {
      if (!s.durable) return true;
    }
  }
  return false;
}

void StreamLedger::Deliver(const std::string& table, int64_t kafka_offset) {
  Table& t = tables_[table];
  if (!t.runs.empty()) {
    Run& last = t.runs.back();
    if (last.segment == t.current && last.kafka_first + last.count == kafka_offset &&
        last.position_first + last.count == t.position) {
      ++last.count;
      ++t.position;
      Advance(t);
      return;
    }
  }
  t.runs.push_back(Run{kafka_offset, 1, t.current, t.position});
  ++t.position;
  Advance(t);
}

void StreamLedger::EndCurrent(const std::string& table, int64_t end) {
  Table& t = tables_[table];
  if (t.chain.empty()) return;
  t.chain[t.current].end = end;
  Advance(t);
}

std::string StreamLedger::Render(int64_t kafka_offset) {
  std::string out = pending_ ? kPendingMagic : kMagic;
  std::vector<std::string> idle;  // tables with nothing at or after kafka_offset.
  for (auto& [path, t] : tables_) {
    if (t.chain.empty()) continue;
    size_t segment = t.current;
    int64_t position = t.position;
    bool found = false;
    while (!t.runs.empty()) {
      Run& run = t.runs.front();
      if (run.kafka_first + run.count <= kafka_offset) {
        t.runs.pop_front();
        continue;
      }
      int64_t skip = std::max<int64_t>(0, kafka_offset - run.kafka_first);
      run.kafka_first += skip;
      run.count -= skip;
      run.position_first += skip;
      segment = run.segment;
      position = run.position_first;
      found = true;
      break;
    }
    if (!found) idle.push_back(path);
    // Segments before `segment` hold nothing a re-read from kafka_offset needs.
    if (segment > 0) {
      t.chain.erase(t.chain.begin(), t.chain.begin() + static_cast<std::ptrdiff_t>(segment));
      t.current -= segment;
      for (Run& run : t.runs) run.segment -= segment;
    }
    std::string entry = absl::StrCat(" ", t.chain[0].stream, "@", position);
    for (size_t i = 0; i < t.chain.size(); ++i) {
      if (i > 0) absl::StrAppend(&entry, ">", t.chain[i].stream);
      if (t.chain[i].end) absl::StrAppend(&entry, "!", *t.chain[i].end);
    }
    absl::StrAppend(&out, entry);
  }
  if (out.size() <= kMetadataBudget || idle.empty()) return out;
  for (const std::string& path : idle) tables_.erase(path);
  return Render(kafka_offset);
}

std::vector<std::string> StreamLedger::OpenStreams() const {
  std::vector<std::string> streams;
  for (const auto& [path, t] : tables_) {
    if (!t.chain.empty() && !t.chain.back().end) streams.push_back(t.chain.back().stream);
  }
  return streams;
}

std::vector<StreamLedger::OpenSegment> StreamLedger::UncommittedSegments() const {
  std::vector<OpenSegment> out = CurrentSegments();
  std::erase_if(out, [this](const OpenSegment& s) { return !DeliveredToCurrent(s.table); });
  return out;
}

std::optional<int64_t> StreamLedger::FirstInOpenSegment() const {
  std::optional<int64_t> first;
  for (const auto& [path, t] : tables_) {
    for (const Run& run : t.runs) {
      if (t.chain[run.segment].end) continue;
      if (!first || run.kafka_first < *first) first = run.kafka_first;
      break;  // runs are in Kafka order.
    }
  }
  return first;
}

std::vector<StreamLedger::OpenSegment> StreamLedger::CurrentSegments() const {
  std::vector<OpenSegment> out;
  for (const auto& [path, t] : tables_) {
    if (t.chain.empty() || t.chain[t.current].end) continue;
    out.push_back({path, t.chain[t.current].stream, t.position});
  }
  return out;
}

bool StreamLedger::DeliveredToCurrent(const std::string& table) const {
  auto it = tables_.find(table);
  if (it == tables_.end()) return false;
  const Table& t = it->second;
  return !t.runs.empty() && t.runs.back().segment == t.current;
}

}  // namespace ferry::bigquery
