"""docdb through an independent real client: mongosh (npm; tests/integration/mongosh).

`make test` installs it (`make test-deps`: npm install into tests/integration/mongosh); without
tests/integration/mongosh/node_modules the test is skipped. mongosh runs one --eval script against
a `tactus store` of its own and prints one JSON line, which the test checks. mongosh gets a
HOME of its own (its logs and config stay out of the user's) and a global config that forces
telemetry off; with --quiet it does not look for updates, so it talks only to the loopback store.
"""
import json
import os
import subprocess
import tempfile
import unittest

from docdb_server import StoreProcess

HERE = os.path.dirname(os.path.abspath(__file__))
MONGOSH = os.path.join(HERE, "mongosh", "node_modules", ".bin", "mongosh")

# The smoke script: each step records what it saw in `out`; the last line printed is the JSON.
SMOKE_JS = r"""
const out = {};
out.ping = db.runCommand({ping: 1}).ok;
out.writablePrimary = db.hello().isWritablePrimary;
out.version = db.version();
const c = db.orders;
c.drop();
out.insertOneId = c.insertOne({_id: 1, sku: 'KB-01', qty: 5}).insertedId;
const many = c.insertMany([
  {_id: 2, sku: 'MS-02', qty: 1},
  {_id: 3, sku: 'HD-03', qty: 9},
  {_id: 4, sku: 'CB-04', qty: 7},
  {_id: 5, sku: 'PD-05', qty: 3},
]);
out.insertManyIds = Object.values(many.insertedIds);
out.sortedIds = c.find({qty: {$gte: 2}}).sort({qty: -1}).limit(3).toArray().map(d => d._id);
const up = c.updateOne({_id: 1}, {$set: {sku: 'KB-01X'}, $inc: {qty: 10}});
out.updateCounts = [up.matchedCount, up.modifiedCount];
out.updated = c.findOne({_id: 1});
out.deletedCount = c.deleteOne({_id: 2}).deletedCount;
out.cursorCount = c.find({qty: {$gte: 5}}).count();
out.estimatedCount = c.estimatedDocumentCount();
const u = db.users;
u.drop();
out.indexName = u.createIndex({a: 1}, {unique: true});
u.insertOne({_id: 100, a: 'dup'});
try {
  u.insertOne({_id: 101, a: 'dup'});
  out.duplicate = null;
} catch (e) {
  out.duplicate = {code: e.code, message: String(e.message)};
}
out.indexes = u.getIndexes().map(i => i.name).sort();
out.usersAfterDuplicate = u.find().toArray().map(d => d._id);
// Shell helpers over admin commands.
out.logVerbosity = db.getLogComponents().verbosity;
out.profilingWas = db.getProfilingStatus().was;
const rsStatus = rs.status();
out.rsMembers = rsStatus.members.map(m => m.stateStr);
print('SMOKE ' + JSON.stringify(out));
"""

GLOBAL_CONFIG = "mongosh:\n  forceDisableTelemetry: true\n"


@unittest.skipUnless(
    os.path.exists(MONGOSH),
    "mongosh is not installed: run `make test-deps` (npm install --prefix tests/integration/mongosh)")
class MongoshSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess().start()
        cls.home = tempfile.TemporaryDirectory()
        cls.config = os.path.join(cls.home.name, "mongosh.conf")
        with open(cls.config, "w") as f:
            f.write(GLOBAL_CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.store.cleanup()
        cls.home.cleanup()

    def mongosh(self, uri, script):
        env = dict(os.environ, HOME=self.home.name,
                   MONGOSH_GLOBAL_CONFIG_FILE_FOR_TESTING=self.config,
                   MONGOSH_FORCE_DISABLE_TELEMETRY_FOR_TESTING="1", DO_NOT_TRACK="1")
        return subprocess.run([MONGOSH, uri, "--quiet", "--norc", "--eval", script],
                              capture_output=True, text=True, timeout=120, env=env)

    def test_smoke(self):
        uri = f"mongodb://127.0.0.1:{self.store.port}/smoke?directConnection=true"
        proc = self.mongosh(uri, SMOKE_JS)
        lines = [l for l in proc.stdout.splitlines() if l.startswith("SMOKE ")]
        self.assertEqual(proc.returncode, 0, f"mongosh failed:\n{proc.stdout}\n{proc.stderr}")
        self.assertEqual(len(lines), 1, f"no summary from mongosh:\n{proc.stdout}\n{proc.stderr}")
        out = json.loads(lines[0][len("SMOKE "):])

        self.assertEqual(out["ping"], 1)
        self.assertTrue(out["writablePrimary"])
        self.assertTrue(out["version"].startswith("7."), out["version"])
        self.assertEqual(out["insertOneId"], 1)
        self.assertEqual(out["insertManyIds"], [2, 3, 4, 5])
        self.assertEqual(out["sortedIds"], [3, 4, 1])  # qty 9, 7, 5
        self.assertEqual(out["updateCounts"], [1, 1])
        self.assertEqual(out["updated"], {"_id": 1, "sku": "KB-01X", "qty": 15})
        self.assertEqual(out["deletedCount"], 1)
        # qty >= 5: _id 1 (15), 3 (9), 4 (7).
        self.assertEqual(out["cursorCount"], 3)
        # 1, 3, 4 and 5.
        self.assertEqual(out["estimatedCount"], 4)
        self.assertEqual(out["indexName"], "a_1")
        self.assertIsNotNone(out["duplicate"], "a duplicate key on a unique index was accepted")
        self.assertEqual(out["duplicate"]["code"], 11000)
        self.assertIn("E11000", out["duplicate"]["message"])
        self.assertEqual(out["indexes"], ["_id_", "a_1"])
        self.assertEqual(out["usersAfterDuplicate"], [100])
        self.assertEqual(out["logVerbosity"], 0)
        self.assertEqual(out["profilingWas"], 0)
        self.assertEqual(out["rsMembers"], ["PRIMARY"])

    def test_bad_command_is_reported(self):
        uri = f"mongodb://127.0.0.1:{self.store.port}/smoke?directConnection=true"
        proc = self.mongosh(uri, "db.runCommand({noSuchCommand: 1})")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("noSuchCommand", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
