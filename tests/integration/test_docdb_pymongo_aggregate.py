"""docdb's aggregation framework through pymongo: aggregate with cursors, the common stages,
$lookup, $facet, $bucket, $out/$merge (an archive-to-cold-storage job), pipeline-style updates
and the $expr date arithmetic of find. Run by test_docdb_pymongo (imported there)."""
import datetime
import unittest

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from docdb_server import StoreProcess


class PymongoAggregateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess().start()
        cls.client = pymongo.MongoClient(cls.store.uri, serverSelectionTimeoutMS=10000)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.store.cleanup()

    def setUp(self):
        self.db = self.client["agg_" + self._testMethodName]
        self.db.sales.insert_many([
            {"_id": 1, "item": "a", "qty": 2, "price": 10, "tags": ["x", "y"]},
            {"_id": 2, "item": "b", "qty": 1, "price": 20, "tags": []},
            {"_id": 3, "item": "a", "qty": 5, "price": 10, "tags": ["y"]},
            {"_id": 4, "item": "c", "qty": 3, "price": 5},
        ])

    def test_group_sort_and_count_documents(self):
        out = list(self.db.sales.aggregate([
            {"$group": {"_id": "$item", "total": {"$sum": {"$multiply": ["$qty", "$price"]}},
                        "avg": {"$avg": "$qty"}, "n": {"$sum": 1}}},
            {"$sort": {"total": -1}},
        ]))
        self.assertEqual(out, [{"_id": "a", "total": 70, "avg": 3.5, "n": 2},
                               {"_id": "b", "total": 20, "avg": 1.0, "n": 1},
                               {"_id": "c", "total": 15, "avg": 3.0, "n": 1}])
        self.assertEqual(self.db.sales.count_documents({"price": 10}), 2)
        self.assertEqual(self.db.sales.count_documents({}, skip=1, limit=2), 2)

    def test_cursor_batches(self):
        self.db.big.insert_many([{"_id": i} for i in range(500)])
        ids = [d["_id"] for d in self.db.big.aggregate([{"$sort": {"_id": -1}}], batchSize=13)]
        self.assertEqual(ids, list(range(499, -1, -1)))

    def test_shaping_unwind_and_friends(self):
        s = self.db.sales
        self.assertEqual(list(s.aggregate([{"$match": {"_id": 1}},
                                           {"$project": {"_id": 0, "cost": {"$multiply": ["$qty", "$price"]},
                                                         "upper": {"$toUpper": "$item"}}}])),
                         [{"cost": 20, "upper": "A"}])
        self.assertEqual([d["tags"] for d in s.aggregate([{"$unwind": "$tags"}])], ["x", "y", "y"])
        self.assertEqual(list(s.aggregate([{"$sortByCount": "$item"}, {"$limit": 1}])),
                         [{"_id": "a", "count": 2}])
        self.assertEqual(list(s.aggregate([{"$bucket": {"groupBy": "$qty", "boundaries": [0, 3, 10]}}])),
                         [{"_id": 0, "count": 2}, {"_id": 3, "count": 2}])
        facet = list(s.aggregate([{"$facet": {"n": [{"$count": "n"}],
                                              "items": [{"$group": {"_id": None, "s": {"$addToSet": "$item"}}}]}}]))
        self.assertEqual(facet[0]["n"], [{"n": 4}])
        self.assertEqual(sorted(facet[0]["items"][0]["s"]), ["a", "b", "c"])
        self.assertEqual(len(list(s.aggregate([{"$sample": {"size": 2}}]))), 2)
        self.assertEqual(list(s.aggregate([{"$match": {"_id": 4}}, {"$addFields": {"d": {"$dateFromParts": {"year": 2024, "month": 2, "day": 30}}}},
                                           {"$project": {"d": {"$dateToString": {"date": "$d", "format": "%Y-%m-%d"}}}}])),
                         [{"_id": 4, "d": "2024-03-01"}])

    def test_lookup(self):
        self.db.items.insert_many([{"_id": "a", "label": "Apple"}, {"_id": "b", "label": "Banana"}])
        out = list(self.db.sales.aggregate([
            {"$lookup": {"from": "items", "localField": "item", "foreignField": "_id", "as": "info"}},
            {"$project": {"label": {"$ifNull": [{"$first": "$info.label"}, "?"]}}}]))
        self.assertEqual([d["label"] for d in out], ["Apple", "Banana", "Apple", "?"])
        out = list(self.db.items.aggregate([
            {"$lookup": {"from": "sales", "let": {"id": "$_id"}, "as": "q",
                         "pipeline": [{"$match": {"$expr": {"$eq": ["$item", "$$id"]}}},
                                      {"$group": {"_id": None, "qty": {"$sum": "$qty"}}}]}},
            {"$project": {"qty": {"$first": "$q.qty"}}}]))
        self.assertEqual(out, [{"_id": "a", "qty": 7}, {"_id": "b", "qty": 1}])

    def test_errors_carry_mongodb_codes(self):
        with self.assertRaises(OperationFailure) as e:
            list(self.db.sales.aggregate([{"$project": {"x": {"$nope": 1}}}]))
        self.assertEqual(e.exception.code, 168)
        with self.assertRaises(OperationFailure) as e:
            list(self.db.sales.aggregate([{"$project": {"x": {"$add": ["$item", 1]}}}]))
        self.assertEqual(e.exception.code, 16554)
        with self.assertRaises(OperationFailure) as e:
            list(self.db.sales.aggregate([{"$nope": {}}]))
        self.assertEqual(e.exception.code, 40324)

    def test_find_and_expr_agree_on_dates(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.db.ev.insert_many([{"_id": d, "createdAt": now - datetime.timedelta(days=d, hours=1)}
                                for d in range(60)])
        cutoff = now - datetime.timedelta(days=30)
        by_find = sorted(d["_id"] for d in self.db.ev.find({"createdAt": {"$lt": cutoff}}))
        by_expr = sorted(d["_id"] for d in self.db.ev.find({"$expr": {"$lt": [
            "$createdAt", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 30}}]}}))
        self.assertEqual(by_find, list(range(30, 60)))
        self.assertEqual(by_expr, by_find)

    def test_archive_to_cold_storage(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.db.events.insert_many([{"_id": d, "at": now - datetime.timedelta(days=d, minutes=1)}
                                    for d in range(0, 200, 10)])
        old = {"$expr": {"$lt": ["$at", {"$dateSubtract": {"startDate": "$$NOW", "unit": "day", "amount": 90}}]}}
        cold = self.client["cold_" + self._testMethodName]
        self.db.events.aggregate([{"$match": old}, {"$set": {"archivedAt": "$$NOW"}},
                                  {"$merge": {"into": {"db": cold.name, "coll": "events"},
                                              "whenMatched": "keepExisting"}}])
        self.assertEqual(sorted(d["_id"] for d in cold.events.find()), list(range(90, 200, 10)))
        self.assertEqual(self.db.events.delete_many(old).deleted_count, 11)
        self.assertEqual(self.db.events.count_documents({}), 9)

    def test_out(self):
        self.db.sales.aggregate([{"$group": {"_id": "$item", "qty": {"$sum": "$qty"}}},
                                 {"$out": "by_item"}])
        self.assertEqual(sorted((d["_id"], d["qty"]) for d in self.db.by_item.find()),
                         [("a", 7), ("b", 1), ("c", 3)])

    def test_pipeline_updates(self):
        s = self.db.sales
        r = s.update_many({}, [{"$set": {"cost": {"$multiply": ["$qty", "$price"]}}}, {"$unset": "tags"}])
        self.assertEqual((r.matched_count, r.modified_count), (4, 4))
        self.assertEqual(s.find_one({"_id": 3}), {"_id": 3, "item": "a", "qty": 5, "price": 10, "cost": 50})
        r = s.update_one({"_id": 99}, [{"$set": {"new": True}}], upsert=True)
        self.assertEqual(r.upserted_id, 99)
        doc = s.find_one_and_update({"_id": 1}, [{"$set": {"qty": {"$add": ["$qty", 1]}}}],
                                    return_document=ReturnDocument.AFTER)
        self.assertEqual(doc["qty"], 3)


if __name__ == "__main__":
    unittest.main()
