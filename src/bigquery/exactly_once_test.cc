// Exactly-once writes against the emulator: COMMITTED streams per (table,
// partition) whose positions travel with the Kafka offset commit. Each test
// plays the task's part: it writes batches, commits (offset + metadata) like
// the task does, "crashes" by dropping a writer without closing it, and
// resumes with a new writer from the committed metadata, re-writing the
// records from the committed offset as a re-reading consumer would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>

#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/proto_rows.h"
#include "bigquery/rest_client.h"
#include "bigquery/storage_writer.h"
#include "bigquery/test_support.h"
#include "emulator/emulator.h"
#include "record/schema.h"
#include "record/value.h"

namespace ferry::bigquery {
namespace {

const TopicPartition kTp{"serverlog.member", 0};

// What the task keeps: the committed offset and metadata of each partition.
struct Committed {
  int64_t offset = 0;
  std::string metadata;
};

class ExactlyOnceTest : public test_support::EmulatorTest {
 protected:
  void SetUp() override { Start(/*storage_error_details=*/true); }

  void Start(bool storage_error_details) {
    emulator::EmulatorOptions options;
    options.storage_error_details = storage_error_details;
    // Tests move the emulator's clock forward to make streams expire.
    options.now = [this] { return absl::Now() + absl::Milliseconds(skew_ms_.load()); };
    StartEmulator(std::move(options));
  }

  std::map<std::string, std::string> Props() {
    std::map<std::string, std::string> props = BaseProps();
    for (const auto& [key, value] : extra_props_) props[key] = value;
    return props;
  }

  std::map<std::string, std::string> BaseProps() {
    return {{"project", "p"},
            {"defaultDataset", "d"},
            {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
            {"ferry.bigquery.storage.endpoint", emulator_->grpc_endpoint()},
            {"topic2TableMap", "serverlog.member:events"},
            {"ferry.bigquery.write.mode", "exactly_once"},
            {"ferry.bigquery.max.request.bytes", "4096"}};  // many requests per batch.
  }

  // A writer resumed from what is committed, as a task's would be.
  std::unique_ptr<SinkWriter> Resume() {
    auto writer = CreateBigQuerySinkWriter(Props());
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return nullptr;
    SinkWriter* raw = writer->get();
    (*writer)->SetCheckpoint([this, raw](const std::vector<TopicPartition>& tps) {
      for (const TopicPartition& tp : tps) Commit(*raw, tp, position_[tp]);
      ++checkpoints_;
      return absl::OkStatus();
    });
    std::map<TopicPartition, std::string> metadata;
    for (int p = 0; p < 2; ++p) {
      TopicPartition tp{kTp.topic, p};
      metadata[tp] = committed_[tp].metadata;
      position_[tp] = committed_[tp].offset;
    }
    EXPECT_TRUE((*writer)->Open(metadata).ok());
    return *std::move(writer);
  }

  // What the task commits once records below `resolved` are resolved.
  void Commit(SinkWriter& writer, const TopicPartition& tp, int64_t resolved) {
    const int64_t offset = writer.Committable(tp, resolved);
    committed_[tp] = {offset, writer.CommitMetadata(tp, offset)};
  }

  static SchemaPtr EventSchema() {
    static const SchemaPtr schema = SchemaBuilder::Struct()
                                        .AddField("id", Schema::String())
                                        .AddField("n", Schema::Int64())
                                        .Build();
    return schema;
  }

  // Record `offset` of partition `partition`; `bad` ones carry a value the
  // table refuses (found by the encoder before sending).
  static SinkRecord Event(int32_t partition, int64_t offset) {
    SinkRecord r;
    r.topic = kTp.topic;
    r.partition = partition;
    r.offset = offset;
    r.value_schema = EventSchema();
    r.value = StructBuilder(EventSchema())
                  .Put("id", "p" + std::to_string(partition) + "-" + std::to_string(offset))
                  .Put("n", offset)
                  .Build();
    return r;
  }

  // Writes records [from, to) of a partition in batches of `batch`, as the
  // task does (position = the batch's first offset until it is resolved),
  // committing after every `commit_every` batches. Every record must be
  // delivered.
  void WriteRange(SinkWriter& writer, int32_t partition, int64_t from, int64_t to, int64_t batch,
                  int commit_every) {
    TopicPartition tp{kTp.topic, partition};
    int batches = 0;
    for (int64_t start = from; start < to; start += batch) {
      std::vector<SinkRecord> records;
      for (int64_t o = start; o < std::min(to, start + batch); ++o) {
        records.push_back(Event(partition, o));
      }
      std::vector<const SinkRecord*> ptrs;
      for (const SinkRecord& r : records) ptrs.push_back(&r);
      position_[tp] = start;
      auto results = writer.Write(ptrs);
      ASSERT_TRUE(results.ok()) << results.status();
      for (const RecordResult& r : *results) {
        ASSERT_EQ(r.status, WriteStatus::kDelivered) << r.reason;
      }
      position_[tp] = start + static_cast<int64_t>(records.size());
      if (++batches % commit_every == 0) Commit(writer, tp, position_[tp]);
    }
  }

  // Row count per id.
  std::map<std::string, int> Rows() { return CountByColumn({"p", "d", "events"}, "id"); }

  void ExpectEachOnce(int32_t partition, int64_t n) {
    auto rows = Rows();
    for (int64_t o = 0; o < n; ++o) {
      std::string id = "p" + std::to_string(partition) + "-" + std::to_string(o);
      ASSERT_EQ(rows[id], 1) << id;
    }
  }

  std::map<TopicPartition, Committed> committed_;
  std::map<TopicPartition, int64_t> position_;
  int checkpoints_ = 0;
  std::map<std::string, std::string> extra_props_;
  std::atomic<int64_t> skew_ms_{0};
};

TEST_F(ExactlyOnceTest, ReplayAfterACrashWritesNothingTwice) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 600, 100, /*commit_every=*/3);      // commits at 300 and 600
  WriteRange(*a, 0, 600, 900, 100, /*commit_every=*/100);  // appended, never committed
  EXPECT_EQ(committed_[kTp].offset, 600);
  EXPECT_THAT(committed_[kTp].metadata, ::testing::StartsWith("ferry-eo1 "));
  a.reset();  // crash: no Close, no commit.

  // The re-read starts at 600 and cuts the records into other batches.
  auto b = Resume();
  WriteRange(*b, 0, 600, 1000, 77, /*commit_every=*/1);
  ExpectEachOnce(0, 1000);
  EXPECT_EQ(Rows().size(), 1000u);
}

TEST_F(ExactlyOnceTest, AStreamFinalizedByTheFormerOwnerIsSkippedThenFollowed) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 500, 50, /*commit_every=*/4);  // last commit at 400
  EXPECT_EQ(committed_[kTp].offset, 400);
  a->Close({kTp});  // finalizes its stream at 500 rows without committing past 400.
  a.reset();

  // The next owner re-reads from 400: rows 400..499 are in the finalized
  // stream; it crashes after committing in the middle of them.
  auto b = Resume();
  WriteRange(*b, 0, 400, 464, 64, /*commit_every=*/1);
  EXPECT_EQ(committed_[kTp].offset, 464);
  b.reset();

  auto c = Resume();
  const int before = checkpoints_;
  WriteRange(*c, 0, 464, 800, 64, /*commit_every=*/1);
  EXPECT_GT(checkpoints_, before);  // the new stream was recorded before use.
  ExpectEachOnce(0, 800);
  EXPECT_EQ(Rows().size(), 800u);
}

// A clean stop as the task makes it: Close finalizes the stream, and the
// final commit after it says where the stream ended, so the next run starts
// a new stream instead of appending to the finalized one.
TEST_F(ExactlyOnceTest, ACleanStopRecordsWhereItsStreamEnded) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, /*commit_every=*/1);
  EXPECT_THAT(committed_[kTp].metadata, ::testing::Not(::testing::HasSubstr("!")));
  a->Close({kTp});
  Commit(*a, kTp, 300);
  a->Abandon({kTp});
  a.reset();
  EXPECT_THAT(committed_[kTp].metadata, ::testing::HasSubstr("@300!300"));

  auto b = Resume();
  const int before = checkpoints_;
  WriteRange(*b, 0, 300, 500, 100, /*commit_every=*/1);
  EXPECT_GT(checkpoints_, before);  // a new stream, named before use.
  ExpectEachOnce(0, 500);
  EXPECT_EQ(Rows().size(), 500u);
}

// Servers without StorageError details (an independent Storage Write server
// built from Google's protos): a finalized stream is FAILED_PRECONDITION and
// nothing more, so the writer asks the server what the stream is.
class NoStorageErrorDetailsTest : public ExactlyOnceTest {
 protected:
  void SetUp() override { Start(/*storage_error_details=*/false); }
};

TEST_F(NoStorageErrorDetailsTest, AStreamFinalizedAtShutdownWithItsEndUnrecordedIsAskedAbout) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, /*commit_every=*/1);
  a->Close({kTp});  // finalized; no commit after it (a commit that failed, an older ferry).
  a.reset();
  EXPECT_THAT(committed_[kTp].metadata, ::testing::Not(::testing::HasSubstr("!")));

  // Appending at 300 meets FAILED_PRECONDITION without a detail: the second
  // run neither stalls nor restarts, it moves to a new stream.
  auto b = Resume();
  WriteRange(*b, 0, 300, 500, 100, /*commit_every=*/1);
  ExpectEachOnce(0, 500);
  EXPECT_EQ(Rows().size(), 500u);
}

TEST_F(NoStorageErrorDetailsTest, AStreamFinalizedByTheFormerOwnerIsSkippedThenFollowed) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 500, 50, /*commit_every=*/4);  // last commit at 400
  a->Close({kTp});  // 500 rows in the stream, committed only to 400.
  a.reset();
  auto b = Resume();
  WriteRange(*b, 0, 400, 800, 64, /*commit_every=*/1);
  ExpectEachOnce(0, 800);
  EXPECT_EQ(Rows().size(), 800u);
}

TEST_F(NoStorageErrorDetailsTest, ReplayAfterACrashWritesNothingTwice) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 600, 100, /*commit_every=*/3);
  WriteRange(*a, 0, 600, 900, 100, /*commit_every=*/100);  // appended, never committed
  a.reset();
  auto b = Resume();  // ALREADY_EXISTS / OUT_OF_RANGE by their codes alone.
  WriteRange(*b, 0, 600, 1000, 77, /*commit_every=*/1);
  ExpectEachOnce(0, 1000);
  EXPECT_EQ(Rows().size(), 1000u);
}

TEST_F(ExactlyOnceTest, TwoOwnersOfOnePartitionWriteEachRowOnce) {
  // A rebalance leaves a slow former owner (a) writing the records the new
  // owner (b) re-reads: both use the committed stream and offsets.
  auto a = Resume();
  WriteRange(*a, 0, 0, 200, 100, /*commit_every=*/1);
  auto b = Resume();
  WriteRange(*a, 0, 200, 400, 100, /*commit_every=*/100);
  WriteRange(*b, 0, 200, 500, 60, /*commit_every=*/1);
  ExpectEachOnce(0, 500);
  EXPECT_EQ(Rows().size(), 500u);
}

TEST_F(ExactlyOnceTest, PartitionsHaveTheirOwnStreams) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, 1);
  WriteRange(*a, 1, 0, 300, 100, 2);
  a.reset();
  auto b = Resume();
  WriteRange(*b, 0, 300, 400, 100, 1);
  WriteRange(*b, 1, committed_[{kTp.topic, 1}].offset, 400, 33, 1);
  ExpectEachOnce(0, 400);
  ExpectEachOnce(1, 400);
  EXPECT_EQ(Rows().size(), 800u);
}

// ---------------------------------------------------------------------------
// Batch mode (enableBatchMode): PENDING streams committed every
// commitInterval, and Kafka offsets committed only past committed rows.

class BatchModeTest : public ExactlyOnceTest {
 protected:
  void SetUp() override {
    ExactlyOnceTest::SetUp();
    extra_props_ = {{"enableBatchMode", "true"}, {"commitInterval", "3600"}};
  }
};

TEST_F(BatchModeTest, RowsAppearAndOffsetsMoveOnlyWhenTheStreamsAreCommitted) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, /*commit_every=*/1);
  WriteRange(*a, 1, 0, 50, 50, /*commit_every=*/1);
  EXPECT_TRUE(Rows().empty());                // pending rows are invisible...
  EXPECT_EQ(committed_[kTp].offset, 0);       // ...and not committed past.
  EXPECT_GT(checkpoints_, 0);                 // yet the streams are named in the commit.
  ASSERT_TRUE(a->Flush(/*all=*/false).ok());  // commitInterval has not passed.
  EXPECT_TRUE(Rows().empty());

  ASSERT_TRUE(a->Flush(/*all=*/true).ok());
  ExpectEachOnce(0, 300);
  ExpectEachOnce(1, 50);
  EXPECT_EQ(Rows().size(), 350u);
  Commit(*a, kTp, 300);
  EXPECT_EQ(committed_[kTp].offset, 300);

  // The next rows go to new streams, held back again until committed.
  WriteRange(*a, 0, 300, 400, 100, /*commit_every=*/1);
  EXPECT_EQ(committed_[kTp].offset, 300);
  EXPECT_EQ(Rows().size(), 350u);
  ASSERT_TRUE(a->Flush(/*all=*/true).ok());
  Commit(*a, kTp, 400);
  EXPECT_EQ(committed_[kTp].offset, 400);
  ExpectEachOnce(0, 400);
  EXPECT_EQ(Rows().size(), 450u);
}

TEST_F(BatchModeTest, TheCommitIntervalCommitsWithoutBeingAsked) {
  extra_props_["commitInterval"] = "15";  // kcbq's smallest.
  auto a = Resume();
  WriteRange(*a, 0, 0, 100, 100, /*commit_every=*/1);
  ASSERT_TRUE(a->Flush(/*all=*/false).ok());
  EXPECT_TRUE(Rows().empty());
  // Not a sleep for synchronisation: the interval itself is what is tested.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (Rows().empty() && absl::Now() < deadline) {
    ASSERT_TRUE(a->Flush(/*all=*/false).ok());
    if (Rows().empty()) absl::SleepFor(absl::Milliseconds(250));
  }
  ExpectEachOnce(0, 100);
}

TEST_F(BatchModeTest, ACrashBeforeTheCommitLosesNothingAndWritesNothingTwice) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, /*commit_every=*/1);
  ASSERT_TRUE(a->Flush(/*all=*/true).ok());
  Commit(*a, kTp, 300);
  WriteRange(*a, 0, 300, 600, 100, /*commit_every=*/1);  // pending, never committed.
  EXPECT_EQ(committed_[kTp].offset, 300);
  a.reset();  // crash.

  auto b = Resume();
  WriteRange(*b, 0, 300, 700, 64, /*commit_every=*/1);
  ASSERT_TRUE(b->Flush(/*all=*/true).ok());
  Commit(*b, kTp, 700);
  EXPECT_EQ(committed_[kTp].offset, 700);
  ExpectEachOnce(0, 700);
  EXPECT_EQ(Rows().size(), 700u);
}

TEST_F(BatchModeTest, ACrashBetweenTheStreamCommitAndTheOffsetCommitSkipsWhatLanded) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 300, 100, /*commit_every=*/1);
  ASSERT_TRUE(a->Flush(/*all=*/true).ok());  // in the table...
  a.reset();                                 // ...but the offset commit never happened.
  EXPECT_EQ(committed_[kTp].offset, 0);

  auto b = Resume();
  WriteRange(*b, 0, 0, 400, 80, /*commit_every=*/1);
  ASSERT_TRUE(b->Flush(/*all=*/true).ok());
  Commit(*b, kTp, 400);
  EXPECT_EQ(committed_[kTp].offset, 400);
  ExpectEachOnce(0, 400);
  EXPECT_EQ(Rows().size(), 400u);
}

TEST_F(BatchModeTest, AClosedPartitionsStreamIsCommittedByItsNextOwner) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 200, 100, /*commit_every=*/1);
  a->Close({kTp});  // finalizes the pending stream without committing it.
  a.reset();
  EXPECT_TRUE(Rows().empty());

  auto b = Resume();
  WriteRange(*b, 0, 0, 300, 100, /*commit_every=*/1);
  ASSERT_TRUE(b->Flush(/*all=*/true).ok());
  Commit(*b, kTp, 300);
  ExpectEachOnce(0, 300);
  EXPECT_EQ(Rows().size(), 300u);
}

TEST_F(BatchModeTest, APendingStreamThatExpiredUncommittedIsWrittenAgain) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 200, 100, /*commit_every=*/1);
  a.reset();  // crash; its pending stream is named in the committed metadata.
  skew_ms_ = int64_t{25} * 3600 * 1000;  // past BigQuery's 24 h for uncommitted streams.

  auto b = Resume();
  WriteRange(*b, 0, 0, 250, 100, /*commit_every=*/1);
  ASSERT_TRUE(b->Flush(/*all=*/true).ok());
  Commit(*b, kTp, 250);
  EXPECT_EQ(committed_[kTp].offset, 250);
  ExpectEachOnce(0, 250);
  EXPECT_EQ(Rows().size(), 250u);
}

TEST_F(BatchModeTest, ABatchCommitWithAnAlreadyCommittedStreamCommitsTheOthersToo) {
  // An earlier commit of S1 landed but its reply was lost; the next commit
  // names S1 again with S2. BigQuery commits nothing of such a request and
  // names only S1 in its errors: S2 must still end up committed.
  Table table;
  table.ref = {"p", "d", "events"};
  table.schema.fields = {test_support::Col("id", FieldType::kString),
                         test_support::Col("n", FieldType::kInteger)};
  ASSERT_TRUE(rest_->InsertDataset("p", "d").ok());
  auto created = rest_->InsertTable(table);
  ASSERT_TRUE(created.ok()) << created.status();
  auto descriptor = BuildRowDescriptor(table.schema);
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  StorageWriterOptions options;
  options.endpoint = emulator_->grpc_endpoint();
  auto storage = StorageWriter::Create(options);
  ASSERT_TRUE(storage.ok()) << storage.status();
  auto encoder = RowEncoder::Create(table.schema, {});
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  std::vector<std::string> streams;
  for (int p = 0; p < 2; ++p) {
    auto stream = (*storage)->CreateWriteStream(table.ref, WriteStreamType::kPending);
    ASSERT_TRUE(stream.ok()) << stream.status();
    std::string row;
    ASSERT_FALSE((*encoder)->Encode(Event(p, 0), &row).has_value());
    auto appended = (*storage)->AppendAt(*stream, *descriptor, {row}, 0);
    ASSERT_TRUE(appended.ok()) << appended.status();
    ASSERT_EQ(appended->next_offset, 1);
    ASSERT_TRUE((*storage)->FinalizeWriteStream(*stream).ok());
    streams.push_back(*stream);
  }
  ASSERT_TRUE((*storage)->BatchCommitWriteStreams(table.ref, {streams[0]}).ok());
  ASSERT_TRUE((*storage)->BatchCommitWriteStreams(table.ref, streams).ok());
  ExpectEachOnce(0, 1);
  ExpectEachOnce(1, 1);
}

TEST_F(ExactlyOnceTest, ALostPartitionIsForgottenWithoutTouchingItsStream) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 100, 100, /*commit_every=*/1);
  // The member was dropped from the group: the new owner (b) may be using
  // the stream already, so a must neither finalize nor commit anything.
  auto b = Resume();
  a->Abandon({kTp});
  a->Close({kTp});  // nothing of kTp is left to close.
  const int before = checkpoints_;
  WriteRange(*b, 0, 100, 200, 100, /*commit_every=*/1);
  EXPECT_EQ(checkpoints_, before);  // b goes on in the same stream, never finalized.
  EXPECT_EQ(committed_[kTp].offset, 200);
  ExpectEachOnce(0, 200);
  EXPECT_EQ(Rows().size(), 200u);
}

TEST_F(ExactlyOnceTest, TheLedgerFollowsTheConsumedPartitionNotTheRoutedTopic) {
  // A RegexRouter-style transform renames the topic; the stream positions
  // must travel with the partition the task consumed and commits.
  auto a = Resume();
  std::vector<SinkRecord> records;
  for (int64_t o = 0; o < 50; ++o) {
    SinkRecord r = Event(0, o);
    auto raw = std::make_shared<RawRecord>();
    raw->topic = kTp.topic;
    raw->partition = 0;
    raw->offset = o;
    r.raw = std::move(raw);
    r.topic = "routed";
    records.push_back(std::move(r));
  }
  std::vector<const SinkRecord*> ptrs;
  for (const SinkRecord& r : records) ptrs.push_back(&r);
  position_[kTp] = 0;
  auto results = a->Write(ptrs);
  ASSERT_TRUE(results.ok()) << results.status();
  for (const RecordResult& r : *results) ASSERT_EQ(r.status, WriteStatus::kDelivered) << r.reason;
  Commit(*a, kTp, 50);
  EXPECT_THAT(committed_[kTp].metadata, ::testing::HasSubstr("/tables/routed/streams/"));
}

TEST_F(BatchModeTest, SwitchingToExactlyOnceCommitsThePendingStreamAndSkipsItsRows) {
  auto a = Resume();
  WriteRange(*a, 0, 0, 200, 100, /*commit_every=*/1);  // pending, named, never committed.
  a.reset();                                           // crash.
  EXPECT_THAT(committed_[kTp].metadata, ::testing::StartsWith("ferry-bm1 "));

  extra_props_.clear();  // exactly_once.
  auto b = Resume();
  WriteRange(*b, 0, 0, 300, 100, /*commit_every=*/1);
  EXPECT_THAT(committed_[kTp].metadata, ::testing::StartsWith("ferry-eo1 "));
  ExpectEachOnce(0, 300);
  EXPECT_EQ(Rows().size(), 300u);
}

TEST_F(BatchModeTest, SwitchingToBatchModeEndsTheCommittedStreamAtWhatItHolds) {
  extra_props_.clear();  // exactly_once first.
  auto a = Resume();
  WriteRange(*a, 0, 0, 200, 100, /*commit_every=*/1);
  WriteRange(*a, 0, 200, 300, 100, /*commit_every=*/100);  // in the table, not committed.
  a.reset();
  EXPECT_EQ(committed_[kTp].offset, 200);

  extra_props_ = {{"enableBatchMode", "true"}, {"commitInterval", "3600"}};
  auto b = Resume();
  WriteRange(*b, 0, 200, 400, 100, /*commit_every=*/1);
  ASSERT_TRUE(b->Flush(/*all=*/true).ok());
  Commit(*b, kTp, 400);
  EXPECT_EQ(committed_[kTp].offset, 400);
  ExpectEachOnce(0, 400);
  EXPECT_EQ(Rows().size(), 400u);
}

}  // namespace
}  // namespace ferry::bigquery
