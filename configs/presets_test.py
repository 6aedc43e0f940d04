"""Each configs/*.json is a valid KPUConfig equal to the library preset of the same name, so the
files users copy describe exactly the hardware the presets simulate."""
import json
import os
import pathlib
import sys
import unittest

import kpu

HERE = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / "kpu" / "configs"


class PresetsTest(unittest.TestCase):
    def test_every_preset_has_a_file_equal_to_it(self):
        files = {p.stem: p for p in HERE.glob("*.json")}
        self.assertEqual(sorted(files), sorted(kpu.preset_names()))
        for name, path in files.items():
            parsed = kpu.KPUConfig.parse(path.read_bytes())
            self.assertEqual(parsed.name, name)
            self.assertEqual(json.loads(parsed.to_json()), json.loads(kpu.KPUConfig.preset(name).to_json()),
                             f"configs/{name}.json differs from the '{name}' preset")

    def test_a_broken_file_is_rejected_with_the_field_named(self):
        config = json.loads((HERE / "swkpu-v1.json").read_text())
        config["compute"]["clock_ghz"] = 0
        with self.assertRaises(kpu.KPUError) as caught:
            kpu.KPUConfig.parse(json.dumps(config).encode())
        self.assertIn("clock_ghz must be positive", str(caught.exception))


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
