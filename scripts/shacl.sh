#!/usr/bin/env bash
# Validates RDF against the official DCAT-AP 3.0.0 and DCAT-AP.de 3.0 SHACL shapes with Apache
# Jena's SHACL validator (Debian's libapache-jena-java), offline: the shapes and vocabularies come
# from ../shared/conformance-data/opendata/shapes (see its SOURCES.md).
#
#   scripts/shacl.sh install           installs Java and Jena from Debian's packages when absent
#   scripts/shacl.sh validate FILE…    validates each Turtle (.ttl) or JSON-LD (.jsonld) file,
#                                      merged with the vocabularies, against both profiles
#
# Exit status: 0 all conform (warnings are printed, not counted), 1 a violation, 2 usage or a
# broken file, 3 Java, Jena or the shapes are not available (tests skip on 3 unless CI=true).
# ENTENTE_CONFORMANCE_DATA overrides where the conformance data is.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${ENTENTE_CONFORMANCE_DATA:-$here/../shared/conformance-data}"
shapes="$data/opendata/shapes"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/entente-shacl"

log() { printf 'shacl.sh: %s\n' "$*" >&2; }

have_jena() { command -v java >/dev/null 2>&1 && [ -f /usr/share/java/jena-shacl.jar ]; }

install() {
	if have_jena; then return 0; fi
	log "installing Java and Apache Jena from Debian's packages"
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { log "need root to install libapache-jena-java"; return 3; }
		sudo=sudo
	fi
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless libapache-jena-java >/dev/null
}

# classpath builds Jena's class path. Debian's jena-core moved Xerces' classes to the package
# xerces.* but left their message and regex resources under org/apache/jena/ext/xerces; without
# them XSD datatypes fail to initialise ("internal error"), so they are copied where the classes
# look. Only one SLF4J binding (nop) goes on the path.
classpath() {
	local res="$cache/xerces-resources"
	if [ ! -d "$res/xerces" ]; then
		mkdir -p "$cache"
		local tmp
		tmp="$(mktemp -d)"
		(cd "$tmp" && unzip -q -o /usr/share/java/jena-core.jar 'org/apache/jena/ext/xerces/*' && find org -name '*.class' -delete)
		rm -rf "$res" && mkdir -p "$res"
		mv "$tmp/org/apache/jena/ext/xerces" "$res/xerces"
		rm -rf "$tmp"
	fi
	local cp="$res" j
	for j in jena-base jena-core jena-arq jena-iri jena-shacl jena-cmds jena-shex jena-rdfconnection jena-dboe-base \
		commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3 dexx.collection gson guava \
		httpclient httpclient-cache httpcore jackson-core jackson-databind jackson-annotations jakarta.json-api jsonld-java \
		titanium-json-ld slf4j-api slf4j-nop protobuf thrift caffeine collection; do
		if [ -f "/usr/share/java/$j.jar" ]; then cp="$cp:/usr/share/java/$j.jar"; fi
	done
	printf '%s' "$cp"
}

riot() { java -cp "$CP" riotcmd.riot --quiet "$@"; }

# profile NAME FILE… merges shapes files into one N-Triples file in the cache, once.
profile() {
	local name="$1"
	shift
	local out="$cache/$name.nt"
	if [ ! -s "$out" ]; then
		riot --output=ntriples "$@" >"$out.tmp"
		mv "$out.tmp" "$out"
	fi
	printf '%s' "$out"
}

validate() {
	if ! have_jena; then
		log "Java or Apache Jena is not installed (run scripts/shacl.sh install)"
		exit 3
	fi
	if [ ! -d "$shapes" ]; then
		log "no SHACL shapes at $shapes"
		exit 3
	fi
	[ $# -gt 0 ] || { log "usage: scripts/shacl.sh validate FILE…"; exit 2; }
	mkdir -p "$cache"
	CP="$(classpath)"
	local semic="$shapes/semic-dcat-ap-3.0.0" de="$shapes/dcat-ap.de-3.0"
	local ap de_profile
	ap="$(profile dcat-ap-3.0.0 "$semic/dcat-ap-SHACL.ttl")"
	de_profile="$(profile dcat-ap.de-3.0 "$semic/dcat-ap-SHACL.ttl" "$de/dcat-ap-SHACL-DE.ttl" \
		"$de/dcat-ap-spec-german-additions.ttl" "$de/dcat-ap-de-controlledvocabularies.ttl" "$de/dcat-ap-de-deprecated.ttl")"
	local vocab
	vocab="$(profile vocab "$shapes"/vocab/*)"
	# Files are validated per syntax, each syntax's files merged into one graph with the
	# vocabularies, so that a fault of one serialisation is not hidden by another.
	local status=0 syntax files merged p out
	for syntax in ttl jsonld rdf; do
		files=()
		for f in "$@"; do
			case "$f" in *."$syntax") files+=("$f") ;; esac
		done
		[ ${#files[@]} -gt 0 ] || continue
		merged="$(mktemp --suffix=.nt)"
		local lang=()
		# Debian ships no Jakarta JSON implementation for Jena's JSON-LD 1.1 reader; the
		# catalogue is plain JSON-LD 1.0 as well, which Jena reads without it.
		[ "$syntax" = jsonld ] && lang=(--syntax=jsonld10)
		if ! riot --output=ntriples "${lang[@]}" "${files[@]}" >"$merged"; then
			log "${files[*]}: does not parse"
			rm -f "$merged"
			exit 2
		fi
		cat "$vocab" >>"$merged"
		for p in "dcat-ap-3.0.0:$ap" "dcat-ap.de-3.0:$de_profile"; do
			java -cp "$CP" shacl.shacl validate --shapes "${p#*:}" --data "$merged" >"$merged.${p%%:*}" &
		done
		wait
		for p in dcat-ap-3.0.0 dcat-ap.de-3.0; do
			out="$merged.$p"
			violations="$(grep -c 'sh:resultSeverity *sh:Violation' "$out" || true)"
			warnings="$(grep -c 'sh:resultSeverity *sh:Warning' "$out" || true)"
			printf '%s (%s) %s: %d violations, %d warnings\n' "$syntax" "$(basename -a "${files[@]}" | tr '\n' ' ')" "$p" "$violations" "$warnings"
			if [ "$violations" -gt 0 ] || [ "${SHACL_VERBOSE:-}" = 1 ]; then
				cat "$out"
			fi
			if [ "$violations" -gt 0 ]; then status=1; fi
			rm -f "$out"
		done
		rm -f "$merged"
	done
	exit "$status"
}

case "${1:-}" in
install) install ;;
validate)
	shift
	validate "$@"
	;;
*)
	log "usage: scripts/shacl.sh install | validate FILE…"
	exit 2
	;;
esac
