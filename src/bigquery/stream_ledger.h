#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry::bigquery {

// Exactly-once bookkeeping for one Kafka partition: for each table its rows
// go to, the chain of COMMITTED write streams that hold them and where, so
// that the state can travel with the partition's Kafka offset commit.
//
// Rows of one (partition, table) are appended in Kafka order at consecutive
// stream offsets, so "the position of the first row at or after Kafka offset
// K" tells a restarted task exactly where the records it re-reads from K
// belong. A stream that stops taking rows (finalized by another task, a
// schema it cannot take) ends the segment it holds at its final row count;
// rows that a re-read finds already in an ended segment are skipped, later
// ones go to the next segment.
//
// The commit metadata (at most a few hundred bytes per table) is
//   ferry-eo1 <entry> <entry> ...   (COMMITTED streams; ferry-bm1: PENDING)
//   entry   = <stream>@<position>[!<end>][><stream>[!<end>]]...
// where the first stream is where the re-read's first row of that table goes,
// at <position>; "!<end>" marks a stream that holds exactly <end> rows; ">"
// chains to the stream that follows (from its position 0). Table identity is
// the stream name's table path.
class StreamLedger {
 public:
  struct Segment {
    std::string stream;
    std::optional<int64_t> end;  // set once the stream takes no more rows.
    bool durable = false;        // named in acknowledged commit metadata.
  };

  // Where the next row of a table goes.
  enum class Next {
    kSkip,            // the current segment already holds it (a re-read): deliver it unwritten.
    kAppend,          // append it to the current segment (durable, not ended).
    kNeedSegment,     // a new stream must be added (and made durable) first.
    kNeedCheckpoint,  // the current segment is not durable yet.
  };

  // Parses committed metadata; "" gives an empty ledger. Metadata that is not
  // ferry's (e.g. written by another connector) is InvalidArgument.
  static absl::StatusOr<StreamLedger> Parse(const std::string& metadata);

  // The table path ("projects/p/datasets/d/tables/t") of a stream name.
  static std::string TablePathOf(const std::string& stream);

  Next NextFor(const std::string& table) const;
  // Whether delivering `rows` more rows of `table` needs a segment the chain
  // does not have yet.
  bool NeedsSegment(const std::string& table, int64_t rows) const;
  // The current segment's stream and the position the next row takes there.
  const Segment* Current(const std::string& table) const;
  int64_t Position(const std::string& table) const;

  // Adds a new (not yet durable) stream after the current segment, which must
  // be ended or absent.
  void AddSegment(const std::string& table, const std::string& stream);
  // Marks every segment durable (after a checkpoint commit was acknowledged).
  void MarkDurable();
  bool HasNonDurable() const;

  // The next row of `table`, Kafka offset `kafka_offset`, is in the current
  // segment at Position(): records it and advances (to the next segment when
  // this one's end is reached).
  void Deliver(const std::string& table, int64_t kafka_offset);
  // The current segment takes no more rows and holds `end` rows.
  void EndCurrent(const std::string& table, int64_t end);

  // The metadata to commit with Kafka offset `kafka_offset` (every row of
  // every table below it delivered). Forgets what only offsets below it
  // needed, so offsets must not decrease between calls.
  std::string Render(int64_t kafka_offset);

  // Streams that are current and not ended (to finalize on close).
  std::vector<std::string> OpenStreams() const;

  // Batch mode, where a PENDING stream's segment ends when it is committed:
  // the current, not ended segment of each table that holds rows delivered
  // since the ledger was made, with the row count they reach.
  struct OpenSegment {
    std::string table;
    std::string stream;
    int64_t rows = 0;
  };
  std::vector<OpenSegment> UncommittedSegments() const;
  // The Kafka offset of the first row delivered into a segment that has not
  // ended, if any: the commit position may not pass it in batch mode.
  std::optional<int64_t> FirstInOpenSegment() const;
  // Every table's current segment that has not ended, with its position.
  std::vector<OpenSegment> CurrentSegments() const;
  // Whether the streams are PENDING ones (batch mode), as rendered.
  bool pending() const { return pending_; }
  void set_pending(bool pending) { pending_ = pending; }
  // Whether rows were delivered into `table`'s current segment since the
  // ledger was made (false for a segment only named by parsed metadata).
  bool DeliveredToCurrent(const std::string& table) const;
  size_t table_count() const { return tables_.size(); }

 private:
  struct Run {
    int64_t kafka_first;  // rows kafka_first .. kafka_first+count-1 (consecutive)
    int64_t count;
    size_t segment;  // index into chain (adjusted when the chain is trimmed).
    int64_t position_first;
  };
  struct Table {
    std::deque<Segment> chain;
    size_t current = 0;    // index into chain of where the next row goes.
    int64_t position = 0;  // next position in chain[current].
    std::deque<Run> runs;  // delivered rows not yet below a rendered offset.
  };
  void Advance(Table& t);

  std::map<std::string, Table> tables_;  // by table path.
  bool pending_ = false;
};

}  // namespace ferry::bigquery
