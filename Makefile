# The two commands a newcomer needs: `make book` and `make test`.
# Everything is installed into .venv from pinned versions (constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

# Tools that nbgrader and jupyter start by name (alembic, jupyter) come from the venv.
export PATH := $(abspath $(BIN)):$(PATH)
# One BLAS thread per process: on a small machine, threads fighting over the cores make
# the chapters several times slower, and results do not depend on the thread count.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1

BOOK_STAMP := $(VENV)/.installed-book
PDF_STAMP  := $(VENV)/.installed-pdf
TEST_STAMP := $(VENV)/.installed-test
# The execution cache is only valid for the library it ran against. Sphinx does not know
# that the chapters depend on gradlib: its environment (.doctrees) goes too, or it would
# find every chapter up to date and execute none of them again.
LIB_HASH = $(shell cat constraints.txt $$(find lib/gradlib -name '*.py' -o -name '*.mplstyle' | LC_ALL=C sort) | sha256sum | cut -c1-16)

.PHONY: book test lint exercises clean help grading-deps demo-grading test-hostile pdf dist binder FORCE
help:
	@echo "make dist       build gradlib's wheel and sdist into dist/ and check them"
	@echo "make binder     write binder/requirements.txt again from constraints.txt"
	@echo "make book       build the HTML book into _build/html"
	@echo "                (BOOK_URL=https://github.com/<owner>/<repo> adds launch buttons)"
	@echo "make pdf        print the whole book to $(PDF) (and copy it into the site)"
	@echo "make test       run every check of the project"
	@echo "make exercises  regenerate the student notebooks in exercises/ from solutions/"
	@echo "make demo-grading  grade a synthetic class end to end (see the instructor guide)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.1"

$(BOOK_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e ".[book]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (gradlib)" >/dev/null
	touch $@

$(PDF_STAMP): $(BOOK_STAMP)
	$(PIP) -e ".[book,pdf]"
	touch $@

$(TEST_STAMP): $(BOOK_STAMP)
	$(PIP) -e ".[test]"
	touch $@

DIST_STAMP := $(VENV)/.installed-dist
$(DIST_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e ".[dist]"  # the packaging tools, as pyproject.toml declares them
	touch $@

# What a student installs: gradlib's wheel (and its sdist), built with the pinned setuptools
# (--no-isolation: nothing is fetched unpinned) and checked by twine and check-wheel-contents.
# The instructor's tools are in it too, their dependencies an extra: gradlib[course].
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEEL   := dist/gradlib-$(VERSION)-py3-none-any.whl
SDIST   := dist/gradlib-$(VERSION).tar.gz
DIST_SOURCES := pyproject.toml MANIFEST.in README.md LICENSE $(shell find lib -type f \( -name '*.py' -o -name '*.j2' -o -name '*.mplstyle' \) -not -path '*/__pycache__/*')
dist: $(WHEEL)
$(WHEEL): $(DIST_STAMP) $(DIST_SOURCES)
	@rm -rf dist build lib/*.egg-info  # a stale egg-info adds the files it lists to the sdist
	$(BIN)/python -m build --no-isolation --outdir dist . >$(VENV)/build-dist.log 2>&1 \
		|| { cat $(VENV)/build-dist.log; exit 1; }
	@rm -rf build
	$(BIN)/twine check --strict $(WHEEL) $(SDIST)
	$(BIN)/check-wheel-contents $(WHEEL)
	@echo "gradlib's wheel and sdist are in $(abspath dist)"

# Launch buttons (Binder, Colab, a JupyterHub) and a repository button appear when the book
# is built with its public address, `make book BOOK_URL=https://github.com/<owner>/<repo>`;
# book/_ext/launch.py reads these variables (BOOK_BRANCH, default main; JUPYTERHUB_URL for
# the course's hub; BINDERHUB_URL and COLAB_URL to use others than mybinder.org and Colab).
export BOOK_URL BOOK_BRANCH JUPYTERHUB_URL BINDERHUB_URL COLAB_URL

# The buttons open each chapter's notebook twin, book/<chapter>.ipynb (jupytext, no outputs,
# committed so that Binder, Colab and nbgitpuller find it); `make book` keeps it up to date.
# Each twin (and each released assignment notebook) starts with the install cell that
# book/_ext/install_cell.py writes from the book's address: with BOOK_URL (and BOOK_SITE_URL,
# where the site is published, by default the repository's GitHub Pages address) it installs
# the site's copy of the wheel; the twins are written again when the address changes.
# Commit the twins after a `make book BOOK_URL=...`: the buttons open the committed ones.
export BOOK_SITE_URL
INSTALL_CELL := $(BIN)/python book/_ext/install_cell.py
ADDRESS_STAMP := _build/.book-address
$(ADDRESS_STAMP): FORCE
	@mkdir -p $(@D); a='$(BOOK_URL) $(BOOK_SITE_URL)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$a" ] || echo "$$a" > $@
CHAPTER_SOURCES = $(shell grep -l '^kernelspec:' book/*.md 2>/dev/null)
CHAPTER_NOTEBOOKS = $(CHAPTER_SOURCES:.md=.ipynb)
book/%.ipynb: book/%.md book/_ext/install_cell.py $(ADDRESS_STAMP) $(BOOK_STAMP)
	$(BIN)/jupytext --quiet --to ipynb --update $<
	$(INSTALL_CELL) $@
	@touch $@  # jupytext leaves an unchanged twin untouched

# The site carries its own copy of the wheel (_build/html/dist/), which the notebooks install.
book: $(BOOK_STAMP) $(WHEEL) $(CHAPTER_NOTEBOOKS)
	@mkdir -p _build
	@if [ "$$(cat _build/.lib-hash 2>/dev/null)" != "$(LIB_HASH)" ]; then \
		echo "gradlib or the pinned packages changed: clearing the execution cache"; \
		rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute; \
		echo "$(LIB_HASH)" > _build/.lib-hash; fi
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book is at $(abspath _build/html/index.html)"

PY_SOURCES = $(wildcard lib tests benchmarks) book/_ext book/_print binder nbgrader_config.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

# nbval runs the nbgrader sources in solutions/ (their hidden tests too).
# pytest-xdist workers (default: one per core); --dist loadfile keeps each file on one
# worker: a notebook's cells share one kernel, and module fixtures are built once.
TEST_WORKERS ?= auto

# The browser test drives Debian's chromium (installed here if it is missing).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser test of the book"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The printable edition: the single-page build printed by Debian's chromium (Playwright),
# its contents' page numbers read back with poppler's pdftotext (installed here if missing).
PDF := _build/pdf/backprop-optimization-book.pdf
POPPLER := /usr/bin/pdftotext
$(POPPLER):
	@echo "installing Debian's poppler-utils (pdftotext, pdfinfo) for the printable edition"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null

# The single-page build rewrites its page every time, so the PDF is printed again only when
# what it is printed from has changed (a hash of it is kept next to the PDF; the stylesheets'
# ?v= checksums, which a first build leaves out, do not count).
PDF_SOURCES := _build/singlehtml/book/intro.html book/_print/print_pdf.py book/_static/gradlib.css _toc.yml
pdf: book $(PDF_STAMP) $(CHROMIUM) $(POPPLER)
	$(BIN)/jupyter-book build . --builder singlehtml --warningiserror --keep-going --quiet
	@hash=$$( (cat $(PDF_SOURCES) | sed 's/?v=[0-9a-f]*//g'; echo "$(BOOK_URL)") | sha256sum | cut -c1-16); \
	if [ -f $(PDF) ] && [ "$$(cat $(PDF).source 2>/dev/null)" = "$$hash" ]; then \
		touch $(PDF); echo "the printable edition is up to date"; \
	else \
		CHROMIUM=$(CHROMIUM) $(BIN)/python book/_print/print_pdf.py _build/singlehtml $(PDF) \
		&& echo "$$hash" > $(PDF).source || exit 1; \
	fi
	@cp $(PDF) _build/html/  # the preface links to it
	@echo "The printable edition is at $(abspath $(PDF))"

# The chapters run as students get them: tests/dist/test_fresh_install.py runs every
# chapter's twin (the chapter itself after the install cell) with the wheel alone.
test: $(TEST_STAMP) $(CHROMIUM) $(POPPLER) grading-deps lint dist book pdf
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests solutions --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=600 -p no:cacheprovider \
		-n $(TEST_WORKERS) --dist loadfile

# The grading tests (tests/course) start Debian's PostgreSQL server and grade inside bubblewrap.
PG_CTL = $(firstword $(wildcard /usr/lib/postgresql/*/bin/pg_ctl))
grading-deps:
	@if [ -z "$(PG_CTL)" ] || ! command -v bwrap >/dev/null; then \
		echo "installing Debian's postgresql and bubblewrap for the grading tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql bubblewrap >/dev/null; fi

# Binder's environment: gradlib[notebooks]'s dependency tree pinned as in constraints.txt
# (binder/pins.py; tests/dist/test_binder.py checks it), gradlib itself from binder/postBuild.
binder: $(BOOK_STAMP)
	$(BIN)/python binder/pins.py

# Only the hostile-submission matrix of the grading tests (also part of `make test`).
HOSTILE := tests/course/test_hostile.py
test-hostile: $(TEST_STAMP) grading-deps
	$(BIN)/python -m pytest $(HOSTILE) -p no:cacheprovider

demo-grading: $(TEST_STAMP)
	rm -rf _build/demo-grading
	$(BIN)/python -m gradlib_course.demo _build/demo-grading

# Each released notebook starts with the install cell (without an address: the site's
# copies in _build/html/_downloads get the book's address when it is built with one).
exercises: $(TEST_STAMP)
	@for a in $$(ls solutions); do \
		echo "generating exercises/$$a"; \
		$(BIN)/nbgrader generate_assignment "$$a" --force --log-level=WARN || exit 1; \
		env -u BOOK_URL -u BOOK_SITE_URL $(INSTALL_CELL) exercises/$$a/*.ipynb || exit 1; done

clean:
	rm -rf _build dist
