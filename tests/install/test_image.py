"""The container image archive of a release (scripts/oci-image), with no container engine.

The archive is read the way an engine reads it: index.json, the multi-arch
index, each platform's manifest, config and layer, every blob checked against
its digest, and skopeo (containers/image, what podman uses) copies all of it
as an OCI archive and each architecture as a Docker archive. Then the amd64
layer is unpacked into a directory and its binary run there with chroot, as
the image's own user, with an empty environment plus the API key: `pdbridge
mcp` against the PagerDuty simulator over TLS, trusting the simulator's CA
through --ca-file, answers initialize and a tool call.
Archive: $PDB_OCI_ARCHIVE, else the newest dist/pdbridge_*_oci.tar. Needs root.
"""

import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from simfixture import TOKEN, TOP, Sim  # noqa: E402

MAX_IMAGE = 4 * 1024 * 1024
# platform -> ELF e_machine, and for 32-bit ARM the float ABI flag in e_flags
ELF = {("amd64", ""): (62, None), ("arm64", "v8"): (183, None),
       ("arm", "v7"): (40, 0x400), ("arm", "v6"): (40, 0x200)}


def archive_path():
    named = os.environ.get("PDB_OCI_ARCHIVE")
    if named:
        return named
    found = sorted(glob.glob(os.path.join(TOP, "dist", "pdbridge_*_oci.tar")), key=os.path.getmtime)
    if not found:
        raise unittest.SkipTest("no dist/pdbridge_*_oci.tar: run scripts/release.sh")
    return found[-1]


@unittest.skipUnless(os.geteuid() == 0, "chroot needs root")
class ImageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.archive = archive_path()
        cls.tmp = tempfile.mkdtemp(prefix="pdb-image-")
        with tarfile.open(cls.archive) as t:
            t.extractall(os.path.join(cls.tmp, "layout"))
        cls.layout = os.path.join(cls.tmp, "layout")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def blob(self, desc):
        """The bytes of a descriptor's blob, checked against its digest and size."""
        algo, hexd = desc["digest"].split(":")
        with open(os.path.join(self.layout, "blobs", algo, hexd), "rb") as f:
            data = f.read()
        self.assertEqual(hashlib.sha256(data).hexdigest(), hexd, desc)
        self.assertEqual(len(data), desc["size"], desc)
        return data

    def images(self):
        """(platform, manifest descriptor, manifest, config, layer tar bytes) per platform."""
        with open(os.path.join(self.layout, "index.json")) as f:
            top = json.load(f)
        self.assertEqual(len(top["manifests"]), 1)
        ref = top["manifests"][0]
        self.assertEqual(ref["mediaType"], "application/vnd.oci.image.index.v1+json")
        version = ref["annotations"]["org.opencontainers.image.ref.name"].split(":")[1]
        self.assertEqual(ref["annotations"]["io.containerd.image.name"],
                         "docker.io/library/pdbridge:" + version)
        self.assertIn("_%s_oci.tar" % version, os.path.basename(self.archive))
        out = []
        for desc in json.loads(self.blob(ref))["manifests"]:
            manifest = json.loads(self.blob(desc))
            config = json.loads(self.blob(manifest["config"]))
            (layer_desc,) = manifest["layers"]
            layer = gzip.decompress(self.blob(layer_desc))
            self.assertEqual(config["rootfs"]["diff_ids"],
                             ["sha256:" + hashlib.sha256(layer).hexdigest()])
            out.append((desc["platform"], desc, manifest, config, layer))
        return out

    def test_one_image_per_architecture_within_4_mb(self):
        seen = set()
        for platform, desc, manifest, config, layer in self.images():
            key = (platform["architecture"], platform.get("variant", ""))
            seen.add(key)
            self.assertEqual((config["architecture"], config.get("variant", "")), key)
            size = desc["size"] + manifest["config"]["size"] + manifest["layers"][0]["size"]
            print("image %s: %d bytes (layer %d unpacked)" % ("/".join(filter(None, key)), size,
                                                           len(layer)))
            self.assertLessEqual(size, MAX_IMAGE, key)
            self.assertEqual(config["config"]["Entrypoint"], ["/usr/bin/pdbridge"])
            self.assertEqual(config["config"]["Cmd"], ["mcp"])
            self.assertNotIn(config["config"]["User"].split(":")[0], ("", "0", "root"))
            with tarfile.open(fileobj=io.BytesIO(layer)) as t:
                files = {m.name: m for m in t.getmembers() if m.isfile()}
                self.assertEqual(sorted(files), ["etc/passwd", "etc/ssl/certs/ca-certificates.crt",
                                                 "usr/bin/pdbridge"])
                elf = t.extractfile("usr/bin/pdbridge").read(64)
                passwd = t.extractfile("etc/passwd").read().decode()
            machine, float_abi = ELF[key]
            self.assertEqual(elf[:4], b"\x7fELF")
            self.assertEqual(int.from_bytes(elf[18:20], "little"), machine, key)
            if float_abi is not None:
                self.assertEqual(int.from_bytes(elf[36:40], "little") & 0x600, float_abi, key)
            uid = config["config"]["User"].split(":")[0]
            self.assertRegex(passwd, r"(?m)^pdbridge:x:%s:" % uid)
        self.assertEqual(seen, set(ELF))

    def test_skopeo_reads_it_as_oci_and_as_docker_archive(self):
        if not shutil.which("skopeo"):
            self.fail("skopeo is missing: run scripts/install-packages.sh")
        dest = os.path.join(self.tmp, "copied")
        subprocess.run(["skopeo", "copy", "--all", "-q", "oci-archive:" + self.archive,
                        "oci:" + dest + ":copied"], check=True, timeout=120)
        with open(os.path.join(self.layout, "manifest.json")) as f:
            legacy = json.load(f)
        tags = sorted(tag for entry in legacy for tag in entry["RepoTags"])
        self.assertEqual([t.rsplit("-", 1)[1] for t in tags], ["amd64", "arm64", "armv6", "armv7"])
        for tag in tags:
            p = subprocess.run(["skopeo", "inspect", "--config",
                                "docker-archive:%s:%s" % (self.archive, tag)],
                               check=True, capture_output=True, text=True, timeout=60)
            config = json.loads(p.stdout)
            arch = {"amd64": "amd64", "arm64": "arm64", "armv7": "arm", "armv6": "arm"}
            self.assertEqual(config["architecture"], arch[tag.rsplit("-", 1)[1]])

    def test_the_amd64_binary_serves_mcp_from_a_chroot_with_only_the_key(self):
        (image,) = [i for i in self.images() if i[0]["architecture"] == "amd64"]
        _, _, _, config, layer = image
        root = os.path.join(self.tmp, "rootfs")
        with tarfile.open(fileobj=io.BytesIO(layer)) as t:
            t.extractall(root, numeric_owner=True)
        # What every OCI runtime puts into a container's /dev (runtime-spec, "Default
        # Devices"); wolfSSL reads its seed from /dev/urandom.
        os.makedirs(os.path.join(root, "dev"))
        for name, minor in (("null", 3), ("zero", 5), ("random", 8), ("urandom", 9)):
            os.mknod(os.path.join(root, "dev", name), 0o20666, os.makedev(1, minor))
            os.chmod(os.path.join(root, "dev", name), 0o666)
        sim = Sim()
        self.addCleanup(sim.stop)
        shutil.copy(sim.ca, os.path.join(root, "sim-ca.pem"))
        os.chmod(os.path.join(root, "sim-ca.pem"), 0o644)
        msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                            "clientInfo": {"name": "image-test", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "get_user_data", "arguments": {}}}]
        argv = [shutil.which("chroot"), "--userspec=" + config["config"]["User"], root,
                *config["config"]["Entrypoint"], *config["config"]["Cmd"],
                "--api-host", sim.url, "--ca-file", "/sim-ca.pem"]
        p = subprocess.run(argv, input="".join(json.dumps(m) + "\n" for m in msgs),
                           env={"PAGERDUTY_USER_API_KEY": TOKEN}, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        replies = {r.get("id"): r for r in map(json.loads, p.stdout.splitlines())}
        self.assertEqual(replies[1]["result"]["serverInfo"]["title"], "pdbridge", replies[1])
        result = replies[2]["result"]
        self.assertFalse(result.get("isError"), result)
        self.assertIn("email", result["content"][0]["text"])
        self.assertNotIn(TOKEN, p.stdout + p.stderr)
        calls = [r for r in sim.requests() if r["path"] == "/users/me"]
        self.assertEqual(len(calls), 1, sim.requests())


if __name__ == "__main__":
    unittest.main()
