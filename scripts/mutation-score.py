"""Print mutmut's kill ratio from mutants/mutmut-cicd-stats.json (written by `mutmut export-cicd-stats`)."""

import json
import sys
from pathlib import Path

stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
# A mutant that makes the tests time out was caught too (an endless loop); one never run counts against.
caught = stats["killed"] + stats["timeout"]
print(f"mutants: {stats['total']}, killed {stats['killed']}, timed out {stats['timeout']}, survived {stats['survived']}, "
      f"not run {stats['total'] - caught - stats['survived']}: {caught / stats['total']:.1%} caught")
sys.exit(0)
