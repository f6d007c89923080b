"""MongoDB tasks (`arn:tactus:states:::mongodb:<op>`, docs/tasks.md) in `tactus serve` on the
embedded store, driven through boto3 as a user would: insert, find, update, count, aggregate and
delete in one workflow; findOneAnd*, bulkWrite and distinct; archive in a Choice loop; results
capped to the payload limit; errors caught by name; parameter mistakes named."""
import json
import unittest

from serve_util import ServeTestCase

M = "arn:tactus:states:::mongodb:"


def task(op, parameters, next_state=None, **extra):
    state = {"Type": "Task", "Resource": M + op, "Parameters": parameters, **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


class MongoDbTaskTest(ServeTestCase):
    def test_crud_and_aggregate_in_one_workflow(self):
        db = self.unique("shop")
        target = {"Database": db, "Collection": "orders"}
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertMany", {**target, "Documents.$": "$.orders"}, "FindBig",
                           ResultPath="$.inserted"),
            "FindBig": task("find", {**target, "Filter": {"total": {"$gte": 100}},
                                     "Options": {"sort": {"total": 1},
                                                 "projection": {"_id": 0}}},
                            "MarkPaid", ResultPath="$.big"),
            "MarkPaid": task("updateMany", {**target, "Filter": {"total": {"$gte": 100}},
                                            "Update": {"$set": {"paid": True}}},
                             "Count", ResultPath="$.updated"),
            "Count": task("countDocuments", {**target, "Filter": {"paid": True}}, "Sum",
                          ResultPath="$.paid"),
            "Sum": task("aggregate", {**target, "Pipeline": [
                {"$group": {"_id": None, "sum": {"$sum": "$total"}}},
                {"$project": {"_id": 0, "sum": 1}}]}, "One", ResultPath="$.sum"),
            "One": task("findOne", {**target, "Filter": {"name": "b"},
                                    "Options": {"projection": {"_id": 0, "name": 1, "paid": 1}}},
                        "Delete", ResultPath="$.one"),
            "Delete": task("deleteMany", {**target, "Filter": {"paid": {"$ne": True}}},
                           "Left", ResultPath="$.deleted"),
            "Left": task("countDocuments", {**target}, None, ResultPath="$.left"),
        }}
        arn = self.create_machine(definition)
        orders = [{"name": "a", "total": 50}, {"name": "b", "total": 150},
                  {"name": "c", "total": 300}]
        out = self.run_ok(arn, {"orders": orders})
        self.assertEqual(out["inserted"]["InsertedCount"], 3)
        self.assertEqual(len(out["inserted"]["InsertedIds"]), 3)
        self.assertIn("$oid", out["inserted"]["InsertedIds"][0])
        self.assertEqual(out["big"], {"Documents": [{"name": "b", "total": 150},
                                                    {"name": "c", "total": 300}], "Count": 2})
        self.assertEqual(out["updated"], {"MatchedCount": 2, "ModifiedCount": 2})
        self.assertEqual(out["paid"], {"Count": 2})
        self.assertEqual(out["sum"], {"Documents": [{"sum": 500}], "Count": 1})
        self.assertEqual(out["one"], {"Document": {"name": "b", "paid": True}})
        self.assertEqual(out["deleted"], {"DeletedCount": 1})
        self.assertEqual(out["left"], {"Count": 2})

    def test_extended_json_dates_and_relaxed_results(self):
        db = self.unique("ej")
        target = {"Database": db, "Collection": "events"}
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertOne", {**target, "Document": {
                "_id": "e1", "at": {"$date": "2026-01-02T03:04:05Z"}}}, "Old",
                ResultPath="$.inserted"),
            "Old": task("find", {**target, "Filter": {
                "at": {"$lt": {"$date": "2026-06-01T00:00:00Z"}}}}, None, ResultPath="$.old"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["inserted"], {"InsertedId": "e1"})
        self.assertEqual(out["old"]["Count"], 1)
        self.assertEqual(out["old"]["Documents"][0]["at"], {"$date": "2026-01-02T03:04:05Z"})

    def test_duplicate_key_is_caught_by_name_and_nothing_is_half_done(self):
        db = self.unique("dup")
        target = {"Database": db, "Collection": "c"}
        definition = {"StartAt": "First", "States": {
            "First": task("insertOne", {**target, "Document": {"_id": 1}}, "Again",
                          ResultPath=None),
            "Again": task("insertOne", {**target, "Document": {"_id": 1}}, "Count",
                          ResultPath=None,
                          Catch=[{"ErrorEquals": ["MongoDB.DuplicateKey"],
                                  "ResultPath": "$.error", "Next": "Count"}]),
            "Count": task("countDocuments", {**target}, None, ResultPath="$.count"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["error"]["Error"], "MongoDB.DuplicateKey")
        self.assertIn("11000", out["error"]["Cause"])
        self.assertEqual(out["count"], {"Count": 1})

    def test_parameter_mistakes_name_the_parameter(self):
        definition = {"StartAt": "Bad", "States": {
            "Bad": task("insertOne", {"Database": "d", "Collection": "c", "Document": [1]})}}
        execution = self.start(self.create_machine(definition), {})
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "MongoDB.InvalidParameters")
        self.assertIn("Parameters.Document", d["cause"])

        definition = {"StartAt": "Bad", "States": {
            "Bad": task("explode", {"Database": "d", "Collection": "c"})}}
        d = self.wait_done(self.start(self.create_machine(definition), {}))
        self.assertEqual(d["error"], "MongoDB.InvalidParameters")
        self.assertIn("unknown MongoDB operation 'explode'", d["cause"])

    def test_type_operator_in_filters(self):
        db = self.unique("ty")
        target = {"Database": db, "Collection": "c"}
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertMany", {**target, "Documents": [
                {"_id": 1, "x": "s"}, {"_id": 2, "x": 5},
                {"_id": 3, "x": {"$date": "2026-01-01T00:00:00Z"}}]}, "Strings",
                ResultPath=None),
            "Strings": task("countDocuments", {**target, "Filter": {"x": {"$type": "string"}}},
                            "Dates", ResultPath="$.strings"),
            "Dates": task("find", {**target, "Filter": {"x": {"$type": ["date", "int"]}},
                                   "Options": {"sort": {"_id": 1}, "projection": {"x": 0}}},
                          None, ResultPath="$.dates"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["strings"], {"Count": 1})
        self.assertEqual(out["dates"]["Documents"], [{"_id": 2}, {"_id": 3}])

    def test_history_records_the_task_like_any_other(self):
        db = self.unique("h")
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertOne", {"Database": db, "Collection": "c",
                                         "Document": {"_id": "x"}})}}
        execution = self.start(self.create_machine(definition), {})
        self.assertEqual(self.wait_done(execution)["status"], "SUCCEEDED")
        types = [e["type"] for e in self.history(execution)]
        self.assertEqual(types, ["ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                 "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                 "ExecutionSucceeded"])
        succeeded = [e for e in self.history(execution) if e["type"] == "TaskSucceeded"][0]
        self.assertEqual(json.loads(succeeded["taskSucceededEventDetails"]["output"]),
                         {"InsertedId": "x"})

    def failure_of(self, definition, input=None):
        d = self.wait_done(self.start(self.create_machine(definition), input or {}))
        self.assertEqual(d["status"], "FAILED", d)
        return d["error"], d["cause"]

    def test_find_one_and_update_replace_delete(self):
        db = self.unique("fam")
        t = {"Database": db, "Collection": "jobs"}
        definition = {"StartAt": "Seed", "States": {
            "Seed": task("insertMany", {**t, "Documents": [
                {"_id": 1, "state": "ready", "prio": 2, "tags": [{"k": "a", "n": 0}]},
                {"_id": 2, "state": "ready", "prio": 5, "tags": []},
                {"_id": 3, "state": "done", "prio": 9, "tags": []}]}, "Claim", ResultPath=None),
            # The highest-priority ready job, claimed; the document before the update.
            "Claim": task("findOneAndUpdate", {**t, "Filter": {"state": "ready"},
                                               "Update": {"$set": {"state": "running"}},
                                               "Options": {"sort": {"prio": -1}}},
                          "ClaimAfter", ResultPath="$.before"),
            "ClaimAfter": task("findOneAndUpdate", {**t, "Filter": {"state": "ready"},
                                                    "Update": {"$set": {"state": "running"}},
                                                    "Options": {"sort": {"prio": -1},
                                                                "returnDocument": "After",
                                                                "projection": {"state": 1}}},
                               "None", ResultPath="$.after"),
            "None": task("findOneAndUpdate", {**t, "Filter": {"state": "ready"},
                                              "Update": {"$set": {"state": "running"}}},
                         "Upsert", ResultPath="$.none"),
            "Upsert": task("findOneAndUpdate", {**t, "Filter": {"_id": 4},
                                                "Update": {"$set": {"state": "new"}},
                                                "Options": {"upsert": True,
                                                            "returnDocument": "After"}},
                           "Filters", ResultPath="$.upserted"),
            "Filters": task("findOneAndUpdate", {**t, "Filter": {"_id": 1},
                                                 "Update": {"$inc": {"tags.$[t].n": 5}},
                                                 "Options": {"arrayFilters": [{"t.k": "a"}],
                                                             "returnDocument": "After",
                                                             "projection": {"_id": 0, "tags": 1}}},
                            "Pipeline", ResultPath="$.filtered"),
            "Pipeline": task("findOneAndUpdate", {**t, "Filter": {"_id": 2},
                                                  "Update": [{"$set": {"double": {
                                                      "$multiply": ["$prio", 2]}}}],
                                                  "Options": {"returnDocument": "After",
                                                              "projection": {"double": 1}}},
                             "Replace", ResultPath="$.pipeline"),
            "Replace": task("findOneAndReplace", {**t, "Filter": {"_id": 3},
                                                  "Replacement": {"state": "replaced"},
                                                  "Options": {"returnDocument": "After"}},
                            "Delete", ResultPath="$.replaced"),
            "Delete": task("findOneAndDelete", {**t, "Filter": {},
                                                "Options": {"sort": {"_id": -1}}},
                           "Left", ResultPath="$.deleted"),
            "Left": task("find", {**t, "Options": {"sort": {"_id": 1},
                                                   "projection": {"state": 1}}},
                         None, ResultPath="$.left"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["before"], {"Document": {"_id": 2, "state": "ready", "prio": 5,
                                                      "tags": []}})
        self.assertEqual(out["after"], {"Document": {"_id": 1, "state": "running"}})
        self.assertEqual(out["none"], {"Document": None})
        self.assertEqual(out["upserted"], {"Document": {"_id": 4, "state": "new"}})
        self.assertEqual(out["filtered"], {"Document": {"tags": [{"k": "a", "n": 5}]}})
        self.assertEqual(out["pipeline"], {"Document": {"_id": 2, "double": 10}})
        self.assertEqual(out["replaced"], {"Document": {"_id": 3, "state": "replaced"}})
        self.assertEqual(out["deleted"], {"Document": {"_id": 4, "state": "new"}})
        self.assertEqual(out["left"]["Documents"], [
            {"_id": 1, "state": "running"}, {"_id": 2, "state": "running"},
            {"_id": 3, "state": "replaced"}])

        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "findOneAndUpdate", {**t, "Filter": {}, "Update": {"$set": {"a": 1}},
                                 "Options": {"returnDocument": "later"}})}})
        self.assertEqual(error, "MongoDB.InvalidParameters")
        self.assertIn("returnDocument", cause)
        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "findOneAndReplace", {**t, "Filter": {}, "Replacement": {"$set": {"a": 1}}})}})
        self.assertEqual(error, "MongoDB.InvalidParameters")
        self.assertIn("Parameters.Replacement", cause)

    def test_bulk_write(self):
        db = self.unique("bulk")
        t = {"Database": db, "Collection": "items"}
        definition = {"StartAt": "Seed", "States": {
            "Seed": task("insertMany", {**t, "Documents": [
                {"_id": "a", "n": 1}, {"_id": "b", "n": 2}, {"_id": "c", "n": 3}]},
                "Bulk", ResultPath=None),
            "Bulk": task("bulkWrite", {**t, "Operations": [
                {"insertOne": {"Document": {"_id": "d", "n": 4}}},
                {"insertOne": {"Document": {"n": 5}}},
                {"updateOne": {"Filter": {"_id": "a"}, "Update": {"$inc": {"n": 10}}}},
                {"updateMany": {"Filter": {"n": {"$gte": 2, "$lte": 3}},
                                "Update": {"$set": {"mid": True}}}},
                {"updateOne": {"Filter": {"_id": "z"}, "Update": {"$set": {"n": 26}},
                               "Upsert": True}},
                {"replaceOne": {"Filter": {"_id": "c"}, "Replacement": {"n": 30}}},
                {"deleteOne": {"Filter": {"_id": "b"}}},
                {"deleteMany": {"Filter": {"n": {"$in": [4, 5]}}}}]},
                "Left", ResultPath="$.bulk"),
            "Left": task("find", {**t, "Options": {"sort": {"_id": 1}}}, None,
                         ResultPath="$.left"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["bulk"], {"InsertedCount": 2, "MatchedCount": 4,
                                       "ModifiedCount": 4, "DeletedCount": 3,
                                       "UpsertedCount": 1, "UpsertedIds": {"4": "z"}})
        self.assertEqual(out["left"]["Documents"], [
            {"_id": "a", "n": 11}, {"_id": "c", "n": 30}, {"_id": "z", "n": 26}])

    def test_bulk_write_mistakes_name_the_operation_and_write_nothing(self):
        db = self.unique("bulkbad")
        t = {"Database": db, "Collection": "items"}
        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "bulkWrite", {**t, "Operations": [
                {"insertOne": {"Document": {"_id": 1}}},
                {"deleteOne": {"Filter": {"_id": 1}}},
                {"updateOne": {"Filter": 7, "Update": {"$set": {"x": 1}}}}]})}})
        self.assertEqual(error, "MongoDB.InvalidParameters")
        self.assertIn("Parameters.Operations[2].updateOne.Filter", cause)
        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "bulkWrite", {**t, "Operations": [
                {"insertOne": {"Document": {"_id": 1}}},
                {"updateOne": {"Filter": {}, "Update": {"x": 1}}}]})}})
        self.assertIn("Parameters.Operations[1].updateOne.Update", cause)
        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "bulkWrite", {**t, "Operations": [{"upsertOne": {"Filter": {}}}]})}})
        self.assertIn("Parameters.Operations[0].upsertOne is not an operation", cause)

        # A server error names the operation and undoes the ones before it.
        definition = {"StartAt": "Bulk", "States": {
            "Bulk": task("bulkWrite", {**t, "Operations": [
                {"insertOne": {"Document": {"_id": 1}}},
                {"insertOne": {"Document": {"_id": 2}}},
                {"insertOne": {"Document": {"_id": 1}}}]}, "Count", ResultPath=None,
                Catch=[{"ErrorEquals": ["MongoDB.DuplicateKey"], "ResultPath": "$.error",
                        "Next": "Count"}]),
            "Count": task("countDocuments", {**t}, None, ResultPath="$.count"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(out["error"]["Error"], "MongoDB.DuplicateKey")
        self.assertIn("Parameters.Operations[2]", out["error"]["Cause"])
        self.assertEqual(out["count"], {"Count": 0})

    def test_distinct(self):
        db = self.unique("dist")
        t = {"Database": db, "Collection": "orders"}
        definition = {"StartAt": "Seed", "States": {
            "Seed": task("insertMany", {**t, "Documents": [
                {"city": "Oslo", "tags": ["a", "b"], "open": True},
                {"city": "Rome", "tags": ["b"], "open": True},
                {"city": "Oslo", "tags": ["c"], "open": False}]}, "Cities", ResultPath=None),
            "Cities": task("distinct", {**t, "Key": "city"}, "Tags", ResultPath="$.cities"),
            "Tags": task("distinct", {**t, "Key": "tags", "Filter": {"open": True}}, None,
                         ResultPath="$.tags"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertEqual(sorted(out["cities"]["Values"]), ["Oslo", "Rome"])
        self.assertNotIn("Truncated", out["cities"])
        self.assertEqual(sorted(out["tags"]["Values"]), ["a", "b"])
        error, cause = self.failure_of({"StartAt": "Bad", "States": {"Bad": task(
            "distinct", {**t})}})
        self.assertEqual(error, "MongoDB.InvalidParameters")
        self.assertIn("Parameters.Key", cause)

    ARCHIVE_LOOP = {"StartAt": "Archive", "States": {
        "Archive": task("archive", {
            "Database.$": "$.db", "Collection": "orders", "Filter": {"status": "closed"},
            "TargetDatabase.$": "$.cold", "TargetCollection": "orders_archive",
            "BatchSize": 1000,
            "Stamp": {"archivedAt": {"$date.$": "$$.State.EnteredTime"}, "tier": "cold"},
            "StampExecution": True},
            "More", ResultPath="$.batch"),
        "More": {"Type": "Choice", "Choices": [
            {"Variable": "$.batch.Remaining", "NumericGreaterThan": 0, "Next": "Archive"}],
            "Default": "Done"},
        "Done": {"Type": "Succeed"},
    }}

    def seed(self, target, documents):
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertMany", {**target, "Documents.$": "$.docs"}, None)}}
        self.run_ok(self.create_machine(definition), {"docs": documents})

    def ids(self, target, filter=None):
        """All _ids of a collection, read by a workflow."""
        definition = {"StartAt": "Find", "States": {"Find": task(
            "find", {**target, "Filter": filter or {}, "Options": {"projection": {"_id": 1}}},
            None, ResultSelector={"ids.$": "$.Documents[*]._id"})}}
        out = self.run_ok(self.create_machine(definition), {})
        return out["ids"]

    def count(self, target, filter=None):
        definition = {"StartAt": "Count", "States": {"Count": task(
            "countDocuments", {**target, "Filter": filter or {}}, None)}}
        return self.run_ok(self.create_machine(definition), {})["Count"]

    def test_archive_loop_moves_everything_exactly_once(self):
        db, cold = self.unique("shop"), self.unique("cold")
        source = {"Database": db, "Collection": "orders"}
        target = {"Database": cold, "Collection": "orders_archive"}
        self.seed(source, [{"_id": i, "status": "closed" if i % 11 else "open", "total": i}
                           for i in range(2750)])
        closed = self.count(source, {"status": "closed"})
        self.assertEqual(closed, 2500)

        execution = self.start(self.create_machine(self.ARCHIVE_LOOP), {"db": db, "cold": cold})
        d = self.wait_done(execution, timeout=120)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        results = [json.loads(e["taskSucceededEventDetails"]["output"])
                   for e in self.history(execution) if e["type"] == "TaskSucceeded"]
        self.assertEqual(results, [{"Moved": 1000, "HasMore": True, "Remaining": 1500},
                                   {"Moved": 1000, "HasMore": True, "Remaining": 500},
                                   {"Moved": 500, "HasMore": False, "Remaining": 0}])

        self.assertEqual(self.count(source), 250)
        self.assertEqual(self.count(source, {"status": "closed"}), 0)
        self.assertEqual(self.count(target), 2500)
        # A date compares only with dates: every moved document got a $date stamp.
        stamped = {"tier": "cold", "archivedBy": execution,
                   "archivedAt": {"$gte": {"$date": "2000-01-01T00:00:00Z"}}}
        self.assertEqual(self.count(target, stamped), 2500)
        left, moved = self.ids(source), self.ids(target)
        self.assertEqual(len(moved), 2500)
        self.assertFalse(set(left) & set(moved))
        self.assertEqual(set(left) | set(moved), set(range(2750)))

        # Nothing left to move: an empty batch.
        out = self.run_ok(self.create_machine(self.ARCHIVE_LOOP), {"db": db, "cold": cold})
        self.assertEqual(out["batch"], {"Moved": 0, "HasMore": False, "Remaining": 0})

        # Without the count: HasMore alone drives the loop (no scan of the whole filter).
        self.seed(source, [{"_id": 10000 + i, "status": "closed"} for i in range(1500)])
        quick = json.loads(json.dumps(self.ARCHIVE_LOOP))
        quick["States"]["Archive"]["Parameters"]["Options"] = {"countRemaining": False}
        quick["States"]["More"]["Choices"] = [
            {"Variable": "$.batch.HasMore", "BooleanEquals": True, "Next": "Archive"}]
        execution = self.start(self.create_machine(quick), {"db": db, "cold": cold})
        self.assertEqual(self.wait_done(execution, timeout=120)["status"], "SUCCEEDED")
        results = [json.loads(e["taskSucceededEventDetails"]["output"])
                   for e in self.history(execution) if e["type"] == "TaskSucceeded"]
        self.assertEqual(results, [{"Moved": 1000, "HasMore": True},
                                   {"Moved": 500, "HasMore": False}])
        self.assertEqual(self.count(target), 4000)

    def test_archive_duplicate_in_target_fails_unless_skipped(self):
        db = self.unique("arch")
        source = {"Database": db, "Collection": "events"}
        target = {"Database": db, "Collection": "events_old"}
        self.seed(source, [{"_id": i, "old": True} for i in range(5)])
        self.seed(target, [{"_id": 3, "old": True, "kept": True}])
        archive = {**source, "Filter": {"old": True}, "TargetCollection": "events_old"}
        error, cause = self.failure_of({"StartAt": "A", "States": {"A": task("archive",
                                                                              archive)}})
        self.assertEqual(error, "MongoDB.DuplicateKey")
        self.assertEqual(self.count(source), 5)
        self.assertEqual(self.count(target), 1)

        out = self.run_ok(self.create_machine({"StartAt": "A", "States": {"A": task(
            "archive", {**archive, "BatchSize": 2, "Options": {"skipExisting": True,
                                                               "sort": {"_id": -1}}})}}), {})
        self.assertEqual(out, {"Moved": 2, "HasMore": True, "Remaining": 3, "Skipped": 1})
        self.assertEqual(sorted(self.ids(source)), [0, 1, 2])
        self.assertEqual(self.count(target, {"kept": True}), 1)
        self.assertEqual(sorted(self.ids(target)), [3, 4])

        for bad, name in [({**archive, "BatchSize": 10001}, "Parameters.BatchSize"),
                          ({**archive, "TargetCollection": "events"}, "TargetCollection"),
                          ({k: v for k, v in archive.items() if k != "Filter"},
                           "Parameters.Filter")]:
            error, cause = self.failure_of({"StartAt": "A", "States": {"A": task("archive",
                                                                                  bad)}})
            self.assertEqual(error, "MongoDB.InvalidParameters")
            self.assertIn(name, cause)

    def test_large_results_are_truncated_and_huge_documents_named(self):
        db = self.unique("big")
        t = {"Database": db, "Collection": "blobs"}
        pad = "x" * 1000
        for start in (0, 150):
            self.seed(t, [{"_id": i, "pad": pad} for i in range(start, start + 150)])
        definition = {"StartAt": "All", "States": {
            "All": task("find", {**t, "Options": {"sort": {"_id": 1}}}, "Few",
                        ResultSelector={"Count.$": "$.Count", "Truncated.$": "$.Truncated",
                                        "Ids.$": "$.Documents[*]._id"},
                        ResultPath="$.all"),
            "Few": task("find", {**t, "Options": {"limit": 3, "projection": {"pad": 0}}},
                        "Agg", ResultPath="$.few"),
            "Agg": task("aggregate", {**t, "Pipeline": [{"$sort": {"_id": -1}}]}, None,
                        ResultSelector={"Count.$": "$.Count", "Truncated.$": "$.Truncated"},
                        ResultPath="$.agg"),
        }}
        out = self.run_ok(self.create_machine(definition), {})
        self.assertTrue(out["all"]["Truncated"])
        n = out["all"]["Count"]
        self.assertTrue(200 < n < 300, n)
        self.assertEqual(out["all"]["Ids"], list(range(n)))
        self.assertEqual(out["few"], {"Documents": [{"_id": 0}, {"_id": 1}, {"_id": 2}],
                                      "Count": 3})
        self.assertTrue(out["agg"]["Truncated"])
        self.assertEqual(out["agg"]["Count"], n)

        # One document over the limit: named, with its size.
        self.seed(t, [{"_id": "huge", "pad": "y" * 100000}])
        grow = {"StartAt": "Grow", "States": {
            "Grow": task("updateOne", {**t, "Filter": {"_id": "huge"}, "Update": [
                {"$set": {"pad2": "$pad", "pad3": "$pad"}}]}, "Read", ResultPath=None),
            "Read": task("findOne", {**t, "Filter": {"_id": "huge"}}, None)}}
        error, cause = self.failure_of(grow)
        self.assertEqual(error, "MongoDB.ResultTooLarge")
        self.assertRegex(cause, r"\b3000\d\d bytes")


if __name__ == "__main__":
    unittest.main()
