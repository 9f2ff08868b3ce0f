# The two set-up commands: `make book` builds the executed book, `make test` runs every test.
# Each creates .venv if missing, installs the pinned ranges (again only when pyproject.toml
# changes) and fetches the corpus.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS := data/sonnets.txt

.PHONY: book pdf web-models test lint pytest nbval corpus colab-cells strip clean lowest offline chapter-times backends

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[tensorflow,book,test]"
	touch $(STAMP)

PLAYS  := data/plays.json

$(CORPUS): $(STAMP) code/rnnbook/text/corpora.py
	$(BIN)/python -m rnnbook.text.corpora --fetch sonnets
	@touch $(CORPUS)

$(PLAYS): $(STAMP) code/rnnbook/text/plays.py
	$(BIN)/python -m rnnbook.text.plays
	@touch $(PLAYS)

corpus: $(CORPUS) $(PLAYS)

# Checks the JavaScript the book serves so that it reads offline: require.js and the widgets'
# HTML manager committed under _offline/ (their SHA-256), MathJax from the Python package
# sphinx-mathjax-offline. No Node.js needed (tools/fetch_static.py --update renews the files).
offline: $(STAMP)
	$(BIN)/python tools/fetch_static.py

# The committed models as scripts for the pages' in-browser explorer (served from _static/).
web-models: $(STAMP)
	$(BIN)/python -m rnnbook.generation.web_export _web/rnnbook-models

PROFILE_NAME = $(BIN)/python -c 'from rnnbook.config import active_profile; print(active_profile().name)'

# The book, executed with the profile detected on this machine (or RNNBOOK_PROFILE).
# Executed outputs are cached in _build/; tools/build_stamp.py drops them when the profile or
# the package under code/ changed. The build writes only under _build/ (ignored by git).
book: corpus offline web-models
	@profile=$$($(PROFILE_NAME)) && \
	$(BIN)/python tools/build_stamp.py "$$profile" && \
	echo "building the book with profile $$profile" && \
	$(BIN)/jupyter-book build . --warningiserror --keep-going && \
	touch _build/html/.nojekyll && \
	$(BIN)/python tools/chapter_times.py "$$profile" && \
	$(BIN)/python tools/check_book_html.py && \
	$(BIN)/python tools/check_book_console.py
	@echo "open _build/html/index.html"

# A PDF of the book, from Jupyter Book's LaTeX builder (xelatex), executed and cached like
# `make book`. Needs TeX Live; on Debian: texlive-xetex texlive-latex-extra texlive-fonts-recommended
# texlive-fonts-extra texlive-science latexmk fonts-freefont-otf.
pdf: corpus offline web-models
	@command -v latexmk >/dev/null || { echo "make pdf needs TeX Live and latexmk (see the README)"; exit 1; }
	@profile=$$($(PROFILE_NAME)) && \
	$(BIN)/python tools/build_stamp.py "$$profile" && \
	$(BIN)/jupyter-book build . --builder pdflatex --keep-going
	@echo "open _build/latex/book.pdf"

# Publishes the chapter times of the last `make book` (its cache) into the committed
# benchmarks/results/chapter-times.json, which every chapter's header shows. On purpose only.
chapter-times: $(STAMP)
	$(BIN)/python tools/chapter_times.py --commit "$$($(PROFILE_NAME))"

# ruff, and the GitHub workflows checked against their schema (vendored by check-jsonschema:
# no network needed).
lint: $(STAMP)
	$(BIN)/ruff check code tests benchmarks tools chapters _ext
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

pytest: corpus
	RNNBOOK_PROFILE=smoke $(BIN)/python -m pytest tests/

# nbval runs only chapters/ (never the copies under _build/).
nbval: corpus
	RNNBOOK_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=600 chapters/

test: lint pytest nbval

# The other end of the supported range: a separate .venv-lowest with exactly the lowest
# versions pyproject.toml allows (constraints-lowest.txt), then the tests and the chapters
# under nbval there. Downloads TensorFlow the first time.
LOWEST := .venv-lowest
$(LOWEST)/.installed: pyproject.toml constraints-lowest.txt
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check \
		-c constraints-lowest.txt -e ".[tensorflow,book,test]"
	$(LOWEST)/bin/python -m pip check
	touch $@

lowest: $(LOWEST)/.installed
	$(MAKE) corpus BIN=$(LOWEST)/bin STAMP=$(LOWEST)/.installed
	$(LOWEST)/bin/python -c 'import keras, numpy, tensorflow, ipywidgets, matplotlib; \
		print("lowest pins:", "keras", keras.__version__, "tensorflow", tensorflow.__version__, \
		"numpy", numpy.__version__, "matplotlib", matplotlib.__version__, \
		"ipywidgets", ipywidgets.__version__)'
	RNNBOOK_PROFILE=smoke $(LOWEST)/bin/python -m pytest tests/
	RNNBOOK_PROFILE=smoke $(LOWEST)/bin/python -m pytest --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=600 chapters/

# The other Keras backends the README names, JAX and PyTorch: for each a separate .venv-<backend>
# with the course and that backend's CPU wheels (no TensorFlow), then the tests and the chapters
# under nbval with KERAS_BACKEND set. One summary line per backend at the end; the target fails
# if any test or cell failed. PyTorch is pinned exactly: from PyPI, a plain `torch` on Linux is
# the CUDA build (several GB). Downloads the backends the first time.
BACKENDS      := jax torch
WHEELS_jax    := jax
WHEELS_torch  := torch==2.13.0
BACKEND_ENVS  := $(BACKENDS:%=.venv-%/.installed)
$(BACKEND_ENVS): .venv-%/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check \
		-e ".[book,test]" "$(WHEELS_$*)"
	.venv-$*/bin/python -m pip check
	touch $@

backends: $(BACKEND_ENVS)
	$(MAKE) --no-print-directory corpus BIN=.venv-$(firstword $(BACKENDS))/bin \
		STAMP=.venv-$(firstword $(BACKENDS))/.installed
	@for b in $(BACKENDS); do \
		rm -f .venv-$$b/tests.xml .venv-$$b/nbval.xml; echo "== $$b: tests"; \
		KERAS_BACKEND=$$b RNNBOOK_PROFILE=smoke .venv-$$b/bin/python -m pytest tests/ \
			--junitxml=.venv-$$b/tests.xml; \
		echo "== $$b: chapters under nbval"; \
		KERAS_BACKEND=$$b RNNBOOK_PROFILE=smoke .venv-$$b/bin/python -m pytest --nbval-lax \
			--nbval-current-env --nbval-cell-timeout=600 chapters/ --junitxml=.venv-$$b/nbval.xml; \
	done; \
	status=0; for b in $(BACKENDS); do \
		KERAS_BACKEND=$$b .venv-$$b/bin/python tools/backend_summary.py \
			.venv-$$b/tests.xml .venv-$$b/nbval.xml || status=1; \
	done; exit $$status

# Copy the repository URL from _config.yml into every chapter's set-up cell.
colab-cells: $(STAMP)
	$(BIN)/python tools/colab_cells.py chapters/*.ipynb

# Drop stored outputs, except those of cells nbval compares (tag nbval-check-output), and fold
# the check cells to one line in JupyterLab and Colab.
strip: $(STAMP)
	$(BIN)/python tools/strip_outputs.py chapters/*.ipynb
	$(BIN)/python tools/fold_checks.py chapters/*.ipynb

clean:
	rm -rf _build _web
