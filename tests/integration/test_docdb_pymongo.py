"""docdb through a real driver: pymongo (Debian's python3-pymongo, run with /usr/bin/python3).

Each test class starts its own `tactus store` on a free loopback port.
"""
import threading
import time
import unittest
import uuid

import pymongo
from bson import Binary, Int64, ObjectId
from bson.son import SON
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from docdb_server import StoreProcess
from test_docdb_pymongo_aggregate import PymongoAggregateTest  # noqa: F401 (run with these)
from test_docdb_pymongo_change_stream import PymongoChangeStreamTest  # noqa: F401


class PymongoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess().start()
        cls.client = pymongo.MongoClient(cls.store.uri, serverSelectionTimeoutMS=10000)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.store.cleanup()

    def setUp(self):
        self.db = self.client["shop_" + self._testMethodName]

    def test_handshake_and_ping(self):
        self.assertEqual(self.client.admin.command("ping")["ok"], 1.0)
        info = self.client.server_info()
        self.assertIn("version", info)
        hello = self.client.admin.command("hello")
        self.assertTrue(hello["isWritablePrimary"])
        self.assertEqual(hello["maxWireVersion"], 17)

    def test_insert_find_update_delete(self):
        orders = self.db.orders
        result = orders.insert_one({"sku": "KB-01", "qty": 1, "tags": ["new"]})
        self.assertIsInstance(result.inserted_id, ObjectId)
        orders.insert_many([{"_id": i, "sku": f"S{i}", "qty": i} for i in range(10)])
        self.assertEqual(orders.find_one({"_id": 3})["sku"], "S3")
        self.assertEqual(orders.find_one({"tags": "new"})["sku"], "KB-01")
        self.assertEqual([d["_id"] for d in orders.find({"qty": {"$gte": 7}}).sort("qty", -1)],
                         [9, 8, 7])
        # qty 0, 1, 2 and the KB-01 order (qty 1).
        r = orders.update_many({"qty": {"$lt": 3}}, {"$inc": {"qty": 100}, "$set": {"low": True}})
        self.assertEqual((r.matched_count, r.modified_count), (4, 4))
        self.assertEqual(orders.find_one({"_id": 0})["qty"], 100)
        r = orders.update_one({"_id": "missing"}, {"$set": {"x": 1}}, upsert=True)
        self.assertEqual(r.upserted_id, "missing")
        r = orders.replace_one({"_id": 5}, {"sku": "replaced"})
        self.assertEqual(orders.find_one({"_id": 5}), {"_id": 5, "sku": "replaced"})
        self.assertEqual(orders.delete_many({"low": True}).deleted_count, 4)
        self.assertEqual(orders.delete_one({"_id": 9}).deleted_count, 1)
        self.assertEqual(orders.estimated_document_count(), 7)

    def test_projection_skip_limit_and_distinct(self):
        c = self.db.items
        c.insert_many([{"_id": i, "k": i % 3, "name": f"n{i}", "secret": "x"} for i in range(20)])
        docs = list(c.find({}, {"name": 1, "_id": 0}).sort("_id", 1).skip(5).limit(3))
        self.assertEqual(docs, [{"name": "n5"}, {"name": "n6"}, {"name": "n7"}])
        self.assertEqual(sorted(c.distinct("k")), [0, 1, 2])
        self.assertEqual(sorted(c.distinct("_id", {"k": 2})), [2, 5, 8, 11, 14, 17])

    def test_count_command_with_query_skip_and_limit(self):
        self.db.n.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(10)])
        self.assertEqual(self.db.command("count", "n", query={"even": True})["n"], 5)
        self.assertEqual(self.db.command("count", "n", query={"even": True}, skip=2)["n"], 3)
        self.assertEqual(
            self.db.command("count", "n", query={"even": True}, skip=1, limit=2)["n"], 2)
        self.assertEqual(self.db.command("count", "n", skip=8, limit=5)["n"], 2)

    def test_cursor_spans_many_batches(self):
        c = self.db.big
        c.insert_many([{"_id": i, "pad": "x" * 100} for i in range(1000)])
        ids = [d["_id"] for d in c.find().sort("_id", 1).batch_size(37)]
        self.assertEqual(ids, list(range(1000)))

    def test_batch_size_zero_opens_a_cursor_without_documents(self):
        self.db.z.insert_many([{"_id": i} for i in range(5)])
        reply = self.db.command("find", "z", batchSize=0)
        self.assertEqual(reply["cursor"]["firstBatch"], [])
        self.assertNotEqual(reply["cursor"]["id"], 0)
        self.assertEqual(len(list(self.db.z.find().batch_size(0))), 5)

    def test_unique_index_violation(self):
        c = self.db.users
        c.create_index([("email", 1)], unique=True)
        c.insert_one({"email": "a@example.com"})
        with self.assertRaises(DuplicateKeyError) as ctx:
            c.insert_one({"email": "a@example.com"})
        self.assertEqual(ctx.exception.code, 11000)
        names = [i["name"] for i in c.list_indexes()]
        self.assertEqual(names, ["_id_", "email_1"])
        plan = c.find({"email": "a@example.com"}).explain()
        self.assertEqual(plan["queryPlanner"]["winningPlan"]["indexName"], "email_1")

    def test_find_one_and_update_claims_each_job_once(self):
        jobs = self.db.jobs
        jobs.insert_many([{"_id": i, "state": "ready"} for i in range(40)])
        claimed = []
        lock = threading.Lock()

        def worker(name):
            client = pymongo.MongoClient(self.store.uri)
            coll = client[self.db.name].jobs
            while True:
                job = coll.find_one_and_update({"state": "ready"},
                                               {"$set": {"state": "taken", "by": name}},
                                               sort=[("_id", 1)],
                                               return_document=ReturnDocument.AFTER)
                if job is None:
                    break
                with lock:
                    claimed.append(job["_id"])
            client.close()

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(claimed), list(range(40)))

    def test_transaction_commit_and_abort(self):
        c = self.db.accounts
        c.insert_many([{"_id": "a", "balance": 100}, {"_id": "b", "balance": 0}])
        with self.client.start_session() as s:
            with s.start_transaction():
                c.update_one({"_id": "a"}, {"$inc": {"balance": -30}}, session=s)
                c.update_one({"_id": "b"}, {"$inc": {"balance": 30}}, session=s)
        self.assertEqual(c.find_one({"_id": "b"})["balance"], 30)
        with self.client.start_session() as s:
            s.start_transaction()
            c.update_one({"_id": "a"}, {"$set": {"balance": -1}}, session=s)
            s.abort_transaction()
        self.assertEqual(c.find_one({"_id": "a"})["balance"], 70)

    def test_errors_carry_mongodb_codes(self):
        with self.assertRaises(OperationFailure) as ctx:
            self.db.command("noSuchCommand")
        self.assertEqual(ctx.exception.code, 59)
        with self.assertRaises(OperationFailure) as ctx:
            list(self.db.c.find({"a": {"$bogus": 1}}))
        self.assertEqual(ctx.exception.code, 2)

    def test_hostile_counts_are_refused_and_the_server_stays_up(self):
        self.db.c.insert_one({"a": 1})
        with self.assertRaises(OperationFailure) as ctx:
            list(self.db.c.find().skip(2**63 - 1).limit(1))
        self.assertEqual(ctx.exception.code, 2)
        self.assertEqual(self.client.admin.command("ping")["ok"], 1.0)

    def test_descending_index_answers_ranges_like_a_scan(self):
        c = self.db.names
        c.insert_many([{"a": ""}, {"a": "b"}, {"a": "z"}, {"a": 5}])
        c.create_index([("a", -1)])
        self.assertEqual(sorted(d["a"] for d in c.find({"a": {"$lt": "m"}})), ["", "b"])
        self.assertEqual([d["a"] for d in c.find({"a": "z"})], ["z"])

    def test_in_over_a_thousand_ids_uses_id_points(self):
        c = self.db.orders
        c.insert_many([{"_id": i, "g": i % 100} for i in range(20000)])
        ids = [i * 19 + 7 for i in range(1000)]
        mixed = [Int64(i) if k % 3 == 1 else float(i) if k % 3 == 2 else i
                 for k, i in enumerate(ids)] + [7.0, 50000]
        query = {"_id": {"$in": mixed}}
        plan = c.find(query).explain()["queryPlanner"]["winningPlan"]
        self.assertEqual(plan["stage"], "IXSCAN")
        self.assertEqual(plan["indexName"], "_id_")
        self.assertEqual(plan["indexBounds"], {"_id": {"$in": 1001}})
        self.assertEqual([d["_id"] for d in c.find(query).sort("_id", 1)], ids)
        self.assertEqual(c.count_documents(query), 1000)
        self.assertEqual(c.count_documents({"g": 7, "_id": {"$in": mixed}}), 10)
        result = c.update_many(query, {"$set": {"archived": True}})
        self.assertEqual((result.matched_count, result.modified_count), (1000, 1000))
        self.assertEqual(c.count_documents({"archived": True}), 1000)
        self.assertEqual(c.delete_many(query).deleted_count, 1000)
        self.assertEqual(c.count_documents({}), 19000)
        self.assertEqual(c.count_documents({"archived": True}), 0)
        self.assertEqual(c.count_documents(query), 0)

    def test_documents_nested_deeper_than_100_are_refused(self):
        doc = {}
        inner = doc
        for _ in range(120):
            inner["x"] = {}
            inner = inner["x"]
        with self.assertRaises(OperationFailure):
            self.db.deep.insert_one(doc)
        self.assertEqual(self.db.deep.estimated_document_count(), 0)

    def test_a_vanished_transaction_releases_the_write_lock(self):
        other = pymongo.MongoClient(self.store.uri)
        s = other.start_session()
        s.start_transaction()
        other[self.db.name].t.insert_one({"_id": "in-flight"}, session=s)
        other.close()  # the client goes away mid-transaction
        start = time.time()
        self.db.t.insert_one({"_id": "after"})
        self.assertLess(time.time() - start, 3.0)
        self.assertIsNone(self.db.t.find_one({"_id": "in-flight"}))

    def test_a_retried_write_is_applied_once(self):
        # What a driver sends when it retries a write whose reply it lost: the same lsid and
        # txnNumber. The store answers with the first reply instead of applying it again.
        self.db.c.insert_one({"_id": 1, "n": 0})
        lsid = {"id": Binary(uuid.uuid4().bytes, 4)}
        cmd = {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"n": 1}}}],
               "lsid": lsid, "txnNumber": Int64(7)}
        first = self.db.command(cmd)
        retry = self.db.command(cmd)
        self.assertEqual((first["n"], retry["n"]), (1, 1))
        self.assertEqual(self.db.c.find_one({"_id": 1})["n"], 1)
        cmd["txnNumber"] = Int64(8)  # the session's next write runs
        self.db.command(cmd)
        self.assertEqual(self.db.c.find_one({"_id": 1})["n"], 2)

    def test_bulk_write_command_across_databases(self):
        # MongoDB 8.0's bulkWrite as a raw admin command (this pymongo predates
        # MongoClient.bulk_write): one op list over two databases, then the same inside a
        # transaction that commits.
        crm = self.client["crm_" + self._testMethodName]
        self.db.orders.insert_one({"_id": 1, "qty": 1})
        ns_info = [{"ns": self.db.name + ".orders"}, {"ns": crm.name + ".customers"}]
        reply = self.client.admin.command(SON([
            ("bulkWrite", 1),
            ("ops", [{"insert": 1, "document": {"_id": "c1"}},
                     {"update": 0, "filter": {"_id": 1}, "updateMods": {"$inc": {"qty": 1}}},
                     {"update": 1, "filter": {"_id": "c2"}, "updateMods": {"$set": {"v": 1}},
                      "upsert": True},
                     {"insert": 0, "document": {"_id": 1}},
                     {"delete": 1, "filter": {"_id": "c1"}}]),
            ("nsInfo", ns_info),
            ("ordered", False)]))
        self.assertEqual(reply["ok"], 1.0)
        self.assertEqual((reply["nErrors"], reply["nInserted"], reply["nMatched"],
                          reply["nModified"], reply["nUpserted"], reply["nDeleted"]),
                         (1, 1, 1, 1, 1, 1))
        self.assertIsInstance(reply["cursor"]["id"], Int64)
        self.assertEqual(reply["cursor"]["ns"], "admin.$cmd.bulkWrite")
        batch = reply["cursor"]["firstBatch"]
        self.assertEqual([item["idx"] for item in batch], [0, 1, 2, 3, 4])
        self.assertEqual(batch[2]["upserted"], {"_id": "c2"})
        self.assertEqual((batch[3]["ok"], batch[3]["code"], batch[3]["keyValue"]),
                         (0.0, 11000, {"_id": 1}))
        self.assertEqual(self.db.orders.find_one({"_id": 1})["qty"], 2)
        self.assertEqual(list(crm.customers.find()), [{"_id": "c2", "v": 1}])

        with self.client.start_session() as s:
            with s.start_transaction():
                self.client.admin.command(SON([
                    ("bulkWrite", 1),
                    ("ops", [{"insert": 0, "document": {"_id": 2}},
                             {"delete": 1, "filter": {}, "multi": True}]),
                    ("nsInfo", ns_info)]), session=s)
                self.assertIsNone(self.db.orders.find_one({"_id": 2}))
        self.assertEqual(self.db.orders.count_documents({}), 2)
        self.assertEqual(crm.customers.count_documents({}), 0)
        with self.assertRaises(OperationFailure) as ctx:
            self.db.command(SON([("bulkWrite", 1), ("ops", [{"insert": 0, "document": {}}]),
                                 ("nsInfo", ns_info)]))
        self.assertEqual(ctx.exception.code, 13)
        self.client.drop_database(crm.name)

    def test_collections_and_databases(self):
        self.db.create_collection("one")
        self.db.two.insert_one({})
        self.assertEqual(sorted(self.db.list_collection_names()), ["one", "two"])
        self.db.two.rename("three")
        self.assertEqual(sorted(self.db.list_collection_names()), ["one", "three"])
        self.db.drop_collection("one")
        self.assertEqual(self.db.list_collection_names(), ["three"])
        self.assertIn(self.db.name, self.client.list_database_names())
        self.client.drop_database(self.db.name)
        self.assertNotIn(self.db.name, self.client.list_database_names())


class DurabilityTest(unittest.TestCase):
    def test_acknowledged_writes_survive_kill_9(self):
        store = StoreProcess().start()
        try:
            client = pymongo.MongoClient(store.uri)
            client.durable.c.insert_many([{"_id": i} for i in range(200)])
            client.close()
            store.kill9()
            store.start()
            client = pymongo.MongoClient(store.uri)
            self.assertEqual(client.durable.c.estimated_document_count(), 200)
            client.close()
        finally:
            store.cleanup()


if __name__ == "__main__":
    unittest.main()
