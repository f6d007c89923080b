"""MongoDB tasks (`arn:tactus:states:::mongodb:<op>`, docs/tasks.md) in `tactus serve` on the
embedded store, driven through boto3 as a user would: insert, find, update, count, aggregate and
delete in one workflow; errors caught by name; parameter mistakes named."""
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


if __name__ == "__main__":
    unittest.main()
