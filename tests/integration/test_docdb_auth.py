"""docdb with --auth through real clients: pymongo (SCRAM-SHA-256, SCRAM-SHA-1, wrong
passwords, a collection-scoped role) and a mongosh --username/--password smoke (skipped when
mongosh is not installed, as in test_docdb_mongosh).
"""
import json
import os
import subprocess
import tempfile
import unittest

import pymongo
from pymongo.errors import OperationFailure

from docdb_server import StoreProcess

HERE = os.path.dirname(os.path.abspath(__file__))
MONGOSH = os.path.join(HERE, "mongosh", "node_modules", ".bin", "mongosh")
UNAUTHORIZED = 13


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess(args=["--auth"]).start()
        # The localhost exception: the first user, created without credentials.
        anonymous = pymongo.MongoClient(cls.store.uri, serverSelectionTimeoutMS=10000)
        anonymous.admin.command("createUser", "root", pwd="r00t-pw", roles=["root"])
        with raises_code(UNAUTHORIZED):
            anonymous.admin.command("createUser", "second", pwd="x", roles=["root"])
        anonymous.close()
        cls.root = cls.client("root", "r00t-pw", "admin")
        cls.root.shop.command("createRole", "orderClerk", privileges=[
            {"resource": {"db": "shop", "collection": "orders"}, "actions": ["find", "insert"]}],
            roles=[])
        cls.root.shop.command("createUser", "clerk", pwd="p\u00e9ncil", roles=["orderClerk"])
        cls.root.shop.command("createUser", "writer", pwd="w-pw", roles=["readWrite"],
                              mechanisms=["SCRAM-SHA-256"])

    @classmethod
    def tearDownClass(cls):
        cls.root.close()
        cls.store.cleanup()

    @classmethod
    def client(cls, user, pwd, source, mechanism=None):
        kwargs = {"username": user, "password": pwd, "authSource": source,
                  "serverSelectionTimeoutMS": 10000}
        if mechanism:
            kwargs["authMechanism"] = mechanism
        return pymongo.MongoClient(cls.store.uri, **kwargs)

    def test_authenticated_crud(self):
        c = self.client("writer", "w-pw", "shop", "SCRAM-SHA-256")
        items = c.shop.items
        items.insert_many([{"_id": i, "qty": i} for i in range(5)])
        self.assertEqual(items.find_one({"_id": 3})["qty"], 3)
        self.assertEqual(items.update_many({"qty": {"$lt": 2}}, {"$set": {"low": True}})
                         .modified_count, 2)
        self.assertEqual(items.delete_many({"low": True}).deleted_count, 2)
        self.assertEqual(sorted(d["_id"] for d in items.find()), [2, 3, 4])
        status = c.shop.command("connectionStatus")["authInfo"]
        self.assertEqual(status["authenticatedUsers"], [{"user": "writer", "db": "shop"}])
        self.assertEqual(status["authenticatedUserRoles"], [{"role": "readWrite", "db": "shop"}])
        with raises_code(UNAUTHORIZED):
            c.crm.items.find_one()
        c.close()

    def test_collection_scoped_role(self):
        # A non-ASCII password: pymongo SASLpreps it as the server does.
        c = self.client("clerk", "p\u00e9ncil", "shop")
        c.shop.orders.insert_one({"_id": "o1"})
        self.assertEqual(c.shop.orders.find_one({"_id": "o1"}), {"_id": "o1"})
        for action in (lambda: c.shop.customers.find_one(),
                       lambda: c.shop.customers.insert_one({"_id": 1}),
                       lambda: c.shop.orders.delete_one({"_id": "o1"}),
                       lambda: c.crm.orders.find_one(),
                       lambda: c.shop.list_collection_names()):
            with raises_code(UNAUTHORIZED):
                action()
        c.close()

    def test_scram_sha1(self):
        c = self.client("clerk", "p\u00e9ncil", "shop", "SCRAM-SHA-1")
        status = c.shop.command("connectionStatus")["authInfo"]
        self.assertEqual(status["authenticatedUsers"], [{"user": "clerk", "db": "shop"}])
        c.close()

    def test_wrong_password_fails_authentication(self):
        c = self.client("clerk", "wrong", "shop", "SCRAM-SHA-256")
        with self.assertRaises(OperationFailure) as caught:
            c.shop.orders.find_one()
        self.assertEqual(caught.exception.code, 18)
        c.close()

    def test_unauthenticated_commands_fail_with_13(self):
        c = pymongo.MongoClient(self.store.uri, serverSelectionTimeoutMS=10000)
        self.assertEqual(c.admin.command("ping")["ok"], 1.0)
        with raises_code(UNAUTHORIZED):
            c.shop.orders.find_one()
        c.close()

    def test_users_info_has_no_credentials(self):
        users = self.root.shop.command("usersInfo", "clerk", showCredentials=True)["users"]
        self.assertEqual(len(users), 1)
        self.assertNotIn("credentials", users[0])
        self.assertEqual(sorted(users[0]["mechanisms"]), ["SCRAM-SHA-1", "SCRAM-SHA-256"])

    @unittest.skipUnless(os.path.exists(MONGOSH), "mongosh is not installed (make test-deps)")
    def test_mongosh_username_password(self):
        with tempfile.TemporaryDirectory() as home:
            config = os.path.join(home, "mongosh.conf")
            with open(config, "w") as f:
                f.write("mongosh:\n  forceDisableTelemetry: true\n")
            env = dict(os.environ, HOME=home, MONGOSH_GLOBAL_CONFIG_FILE_FOR_TESTING=config,
                       MONGOSH_FORCE_DISABLE_TELEMETRY_FOR_TESTING="1", DO_NOT_TRACK="1")
            script = ("const s = db.runCommand({connectionStatus: 1}).authInfo;"
                      "db.items.insertOne({_id: 'sh'});"
                      "print('AUTH ' + JSON.stringify({users: s.authenticatedUsers,"
                      " found: db.items.findOne({_id: 'sh'})._id}));")
            uri = f"mongodb://127.0.0.1:{self.store.port}/shop?directConnection=true"
            proc = subprocess.run(
                [MONGOSH, uri, "--quiet", "--norc", "--username", "writer", "--password", "w-pw",
                 "--authenticationDatabase", "shop", "--eval", script],
                capture_output=True, text=True, timeout=120, env=env)
            lines = [l for l in proc.stdout.splitlines() if l.startswith("AUTH ")]
            self.assertEqual(len(lines), 1, f"mongosh:\n{proc.stdout}\n{proc.stderr}")
            out = json.loads(lines[0][len("AUTH "):])
            self.assertEqual(out, {"users": [{"user": "writer", "db": "shop"}], "found": "sh"})


class raises_code:
    """Context manager: the block raises OperationFailure with `code`."""

    def __init__(self, code):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            raise AssertionError(f"expected OperationFailure with code {self.code}")
        if not issubclass(kind, OperationFailure) or value.code != self.code:
            return False
        return True


if __name__ == "__main__":
    unittest.main()
