"""Change streams of docdb through pymongo: collection.watch(), resume_after a token of a
closed stream, updateLookup, database watch and invalidate after a drop. Run by
test_docdb_pymongo (imported there)."""
import time
import unittest

import pymongo
from bson import Timestamp
from pymongo.errors import OperationFailure

from docdb_server import StoreProcess


def take(stream, n, timeout=10.0):
    """Up to n events from the stream, waiting at most `timeout` seconds."""
    out = []
    deadline = time.time() + timeout
    while len(out) < n and time.time() < deadline:
        change = stream.try_next()
        if change is not None:
            out.append(change)
    return out


class PymongoChangeStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess().start()
        cls.client = pymongo.MongoClient(cls.store.uri, serverSelectionTimeoutMS=10000)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.store.cleanup()

    def setUp(self):
        self.db = self.client["cs_" + self._testMethodName]

    def test_watch_sees_inserts_updates_and_deletes(self):
        orders = self.db.orders
        with orders.watch(max_await_time_ms=50) as stream:
            orders.insert_one({"_id": 1, "status": "new"})
            orders.update_one({"_id": 1}, {"$set": {"status": "paid"}, "$unset": {"x": 1}})
            orders.replace_one({"_id": 1}, {"status": "shipped"})
            orders.delete_one({"_id": 1})
            changes = take(stream, 4)
        self.assertEqual([c["operationType"] for c in changes],
                         ["insert", "update", "replace", "delete"])
        self.assertEqual(changes[0]["fullDocument"], {"_id": 1, "status": "new"})
        self.assertEqual(changes[0]["ns"], {"db": self.db.name, "coll": "orders"})
        self.assertEqual(changes[1]["updateDescription"]["updatedFields"], {"status": "paid"})
        self.assertEqual(changes[1]["updateDescription"]["removedFields"], [])
        self.assertEqual(changes[2]["fullDocument"], {"_id": 1, "status": "shipped"})
        self.assertEqual(changes[3]["documentKey"], {"_id": 1})
        self.assertIsInstance(changes[0]["clusterTime"], Timestamp)

    def test_resume_after_a_closed_stream(self):
        c = self.db.events
        with c.watch(max_await_time_ms=50) as stream:
            c.insert_many([{"_id": i} for i in range(3)])
            seen = take(stream, 2)
            token = stream.resume_token
        self.assertEqual([s["documentKey"]["_id"] for s in seen], [0, 1])
        self.assertEqual(token, seen[1]["_id"])
        c.insert_one({"_id": 3})
        with c.watch(resume_after=token, max_await_time_ms=50) as stream:
            rest = take(stream, 2)
        self.assertEqual([r["documentKey"]["_id"] for r in rest], [2, 3])

    def test_update_lookup(self):
        c = self.db.counters
        c.insert_one({"_id": "x", "n": 1})
        with c.watch(full_document="updateLookup", max_await_time_ms=50) as stream:
            c.update_one({"_id": "x"}, {"$inc": {"n": 1}})
            change = take(stream, 1)[0]
        self.assertEqual(change["fullDocument"], {"_id": "x", "n": 2})

    def test_database_watch_and_invalidate(self):
        with self.db.watch(max_await_time_ms=50) as stream:
            self.db.a.insert_one({"_id": 1})
            self.db.b.insert_one({"_id": 2})
            changes = take(stream, 2)
        self.assertEqual([c["ns"]["coll"] for c in changes], ["a", "b"])
        with self.db.a.watch(max_await_time_ms=50) as stream:
            self.db.a.drop()
            changes = take(stream, 2)
            self.assertEqual([c["operationType"] for c in changes], ["drop", "invalidate"])
            self.assertFalse(stream.alive)

    def test_pipeline_and_errors(self):
        c = self.db.p
        with c.watch([{"$match": {"operationType": "insert", "fullDocument.keep": True}}],
                     max_await_time_ms=50) as stream:
            c.insert_many([{"_id": 1, "keep": False}, {"_id": 2, "keep": True}])
            changes = take(stream, 1)
        self.assertEqual([ch["documentKey"]["_id"] for ch in changes], [2])
        with self.assertRaises(OperationFailure) as ctx:
            with c.watch(resume_after={"_data": "not a token"}) as stream:
                stream.try_next()
        self.assertEqual(ctx.exception.code, 260)


if __name__ == "__main__":
    unittest.main()
