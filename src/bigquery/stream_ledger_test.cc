#include "bigquery/stream_ledger.h"

#include <gtest/gtest.h>

namespace ferry::bigquery {
namespace {

constexpr char kT[] = "projects/p/datasets/d/tables/t";
constexpr char kU[] = "projects/p/datasets/d/tables/u";
const std::string kS1 = std::string(kT) + "/streams/s1";
const std::string kS2 = std::string(kT) + "/streams/s2";
const std::string kU1 = std::string(kU) + "/streams/u1";

TEST(StreamLedgerTest, EmptyMetadataNeedsASegment) {
  auto ledger = StreamLedger::Parse("");
  ASSERT_TRUE(ledger.ok());
  EXPECT_EQ(ledger->NextFor(kT), StreamLedger::Next::kNeedSegment);
  EXPECT_EQ(ledger->Render(0), "ferry-eo1");
}

TEST(StreamLedgerTest, NewSegmentMustBeDurableBeforeAppends) {
  StreamLedger ledger;
  ledger.AddSegment(kT, kS1);
  EXPECT_EQ(ledger.NextFor(kT), StreamLedger::Next::kNeedCheckpoint);
  EXPECT_TRUE(ledger.HasNonDurable());
  EXPECT_EQ(ledger.Render(100), "ferry-eo1 " + kS1 + "@0");
  ledger.MarkDurable();
  EXPECT_EQ(ledger.NextFor(kT), StreamLedger::Next::kAppend);
}

TEST(StreamLedgerTest, RenderGivesThePositionOfTheFirstRowAtOrAfterTheOffset) {
  StreamLedger ledger;
  ledger.AddSegment(kT, kS1);
  ledger.AddSegment(kU, kU1);
  ledger.MarkDurable();
  // Offsets 100..109 alternate between t and u; 110 is filtered.
  for (int64_t o = 100; o < 110; ++o) ledger.Deliver(o % 2 == 0 ? kT : kU, o);
  // t has rows 100,102,104,106,108 at 0..4; u has 101..109 odd at 0..4.
  EXPECT_EQ(ledger.Render(105), "ferry-eo1 " + kS1 + "@3 " + kU1 + "@2");
  EXPECT_EQ(ledger.Render(111), "ferry-eo1 " + kS1 + "@5 " + kU1 + "@5");
}

TEST(StreamLedgerTest, RoundTripsThroughParse) {
  StreamLedger ledger;
  ledger.AddSegment(kT, kS1);
  ledger.MarkDurable();
  for (int64_t o = 0; o < 7; ++o) ledger.Deliver(kT, o);
  const std::string metadata = ledger.Render(4);
  EXPECT_EQ(metadata, "ferry-eo1 " + kS1 + "@4");
  auto parsed = StreamLedger::Parse(metadata);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->NextFor(kT), StreamLedger::Next::kAppend);
  EXPECT_EQ(parsed->Position(kT), 4);
  EXPECT_EQ(parsed->Current(kT)->stream, kS1);
}

TEST(StreamLedgerTest, EndedSegmentIsSkippedThenChainedToTheNext) {
  // A restart finds s1 finalized with 10 rows, while the commit said 6.
  auto ledger = StreamLedger::Parse("ferry-eo1 " + kS1 + "@6");
  ASSERT_TRUE(ledger.ok());
  ledger->EndCurrent(kT, 10);
  EXPECT_EQ(ledger->NextFor(kT), StreamLedger::Next::kSkip);
  for (int64_t o = 50; o < 54; ++o) {
    ASSERT_EQ(ledger->NextFor(kT), StreamLedger::Next::kSkip);
    ledger->Deliver(kT, o);
  }
  EXPECT_EQ(ledger->NextFor(kT), StreamLedger::Next::kNeedSegment);
  ledger->AddSegment(kT, kS2);
  // The checkpoint at the batch start (50) names both: s1 from 6, ending at 10, then s2.
  EXPECT_EQ(ledger->Render(50), "ferry-eo1 " + kS1 + "@6!10>" + kS2);
  ledger->MarkDurable();
  EXPECT_EQ(ledger->NextFor(kT), StreamLedger::Next::kAppend);
  EXPECT_EQ(ledger->Position(kT), 0);
  ledger->Deliver(kT, 54);
  ledger->Deliver(kT, 55);

  // Parsing the checkpoint's metadata reproduces the chain.
  auto reread = StreamLedger::Parse("ferry-eo1 " + kS1 + "@6!10>" + kS2);
  ASSERT_TRUE(reread.ok()) << reread.status();
  EXPECT_EQ(reread->NextFor(kT), StreamLedger::Next::kSkip);
  for (int i = 0; i < 4; ++i) reread->Deliver(kT, 50 + i);
  EXPECT_EQ(reread->NextFor(kT), StreamLedger::Next::kAppend);
  EXPECT_EQ(reread->Current(kT)->stream, kS2);

  // Once the commit passes the skipped rows, s1 is forgotten.
  EXPECT_EQ(ledger->Render(55), "ferry-eo1 " + kS2 + "@1");
  EXPECT_EQ(ledger->Render(56), "ferry-eo1 " + kS2 + "@2");
}

TEST(StreamLedgerTest, BatchModeLedgersSayTheirStreamsArePending) {
  auto ledger = StreamLedger::Parse("ferry-bm1 " + kS1 + "@0");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_TRUE(ledger->pending());
  EXPECT_EQ(ledger->Render(0), "ferry-bm1 " + kS1 + "@0");
  ledger->Deliver(kT, 0);
  ledger->Deliver(kT, 1);
  // Rows in the open (uncommitted) segment hold the commit position back.
  EXPECT_EQ(ledger->FirstInOpenSegment(), 0);
  ASSERT_EQ(ledger->UncommittedSegments().size(), 1u);
  EXPECT_EQ(ledger->UncommittedSegments()[0].rows, 2);
  ledger->EndCurrent(kT, 2);  // committed.
  EXPECT_EQ(ledger->FirstInOpenSegment(), std::nullopt);
  EXPECT_TRUE(ledger->UncommittedSegments().empty());
  ledger->set_pending(false);
  EXPECT_EQ(ledger->Render(2), "ferry-eo1 " + kS1 + "@2!2");
  EXPECT_FALSE(StreamLedger::Parse("ferry-eo1 " + kS1 + "@0")->pending());
}

TEST(StreamLedgerTest, ParseRefusesForeignMetadata) {
  EXPECT_FALSE(StreamLedger::Parse("some connector's metadata").ok());
  EXPECT_FALSE(StreamLedger::Parse("ferry-eo1 nostream@3").ok());
  EXPECT_FALSE(StreamLedger::Parse("ferry-eo1 " + kS1 + "@x").ok());
}

TEST(StreamLedgerTest, OpenStreamsAreTheUnendedCurrentOnes) {
  auto ledger = StreamLedger::Parse("ferry-eo1 " + kS1 + "@6!10>" + kS2 + " " + kU1 + "@0");
  ASSERT_TRUE(ledger.ok());
  std::vector<std::string> open = ledger->OpenStreams();
  EXPECT_EQ(open, (std::vector<std::string>{kS2, kU1}));
}

}  // namespace
}  // namespace ferry::bigquery
