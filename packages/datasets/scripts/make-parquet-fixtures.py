"""Writes small Parquet files with pyarrow, fastparquet and Polars (the writers Python users have)
into src/io/__fixtures__/foreign/, plus expected.json with the values every file holds.

Run from packages/datasets: python3 scripts/make-parquet-fixtures.py
Needs: pip install pyarrow==25.0.1 fastparquet==2026.9.0 polars==1.44.2 (only to regenerate; the
files are committed, so tests need no Python).
"""
import datetime as dt
import decimal
import json
import os

import fastparquet
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), '..', 'src', 'io', '__fixtures__', 'foreign')
os.makedirs(OUT, exist_ok=True)
N = 97
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def ms(value):
    return None if value is None else int((value - EPOCH) / dt.timedelta(microseconds=1)) / 1000


rows = []
for i in range(N):
    at = EPOCH + dt.timedelta(days=19723, seconds=i * 3601, microseconds=(i * 7919) % 1000000)
    rows.append({
        'i32': i * 3 - 100,
        'i64': (2**53 + 1 + i) if i % 10 == 0 else -i * 1000003,
        'f32': (i % 13) * 0.25,
        'f64': i / 7,
        'f64_null': None if i % 4 == 0 else i * 1.5,
        'label': None if i % 5 == 0 else ['alpha', 'beta', 'gamma', 'δέλτα', '😀'][i % 5],
        'word': f'word-{i * 7919 % 1000:04d}',
        'flag': None if i % 6 == 0 else i % 3 == 0,
        'at': at,
        'day': dt.date(2024, 1, 1) + dt.timedelta(days=i),
        'price': decimal.Decimal(i * 125 - 3000).scaleb(-2),
    })

schema = pa.schema([
    ('i32', pa.int32()), ('i64', pa.int64()), ('f32', pa.float32()), ('f64', pa.float64()),
    ('f64_null', pa.float64()), ('label', pa.string()), ('word', pa.string()), ('flag', pa.bool_()),
    ('at', pa.timestamp('us', tz='UTC')), ('day', pa.date32()), ('price', pa.decimal128(9, 2)),
])
table = pa.Table.from_pylist(rows, schema=schema)

expected = {
    'rows': N,
    'columns': {
        'i32': [r['i32'] for r in rows],
        'i64': [str(r['i64']) for r in rows],
        'f32': [r['f32'] for r in rows],
        'f64': [r['f64'] for r in rows],
        'f64_null': [r['f64_null'] for r in rows],
        'label': [r['label'] for r in rows],
        'word': [r['word'] for r in rows],
        'flag': [r['flag'] for r in rows],
        # Microsecond timestamps, as epoch milliseconds (fractional).
        'at_us': [ms(r['at']) for r in rows],
        # The same instants truncated to milliseconds (writers that store milliseconds).
        'at_ms': [int(ms(r['at'])) for r in rows],
        'day': [ms(dt.datetime.combine(r['day'], dt.time(), tzinfo=dt.timezone.utc)) for r in rows],
        'price': [float(r['price']) for r in rows],
    },
    'files': {},
}

def note(name, writer, at):
    expected['files'][name] = {'writer': writer, 'at': at}


for codec in ['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'none']:
    name = f'pyarrow-{codec}.parquet'
    pq.write_table(table, os.path.join(OUT, name), compression=codec, row_group_size=40)
    note(name, f'pyarrow {pa.__version__}, {codec}, 3 row groups, dictionary', 'at_us')

pq.write_table(table, os.path.join(OUT, 'pyarrow-plain-v2.parquet'), use_dictionary=False,
               data_page_version='2.0', compression='snappy', data_page_size=256)
note('pyarrow-plain-v2.parquet', 'pyarrow, PLAIN only, data page v2, many small pages', 'at_us')

import pyarrow.compute as pc
ns_table = table.set_column(8, 'at', pc.cast(table.column('at'), pa.timestamp('ns', tz='UTC')))
pq.write_table(ns_table, os.path.join(OUT, 'pyarrow-nanos.parquet'), version='2.6')
note('pyarrow-nanos.parquet', 'pyarrow, format 2.6, nanosecond timestamps', 'at_us')

ms_table = table.set_column(
    8, 'at', pc.cast(table.column('at'), pa.timestamp('ms', tz='UTC'), safe=False))
# Spark's default layout: INT96 timestamps, legacy (non-logical) types.
pq.write_table(ms_table, os.path.join(OUT, 'pyarrow-int96-spark-style.parquet'),
               use_deprecated_int96_timestamps=True, flavor='spark', compression='snappy')
note('pyarrow-int96-spark-style.parquet', 'pyarrow, flavor spark, INT96 timestamps', 'at_ms')

frame = table.to_pandas()
frame['at'] = frame['at'].dt.floor('ms')
frame['price'] = frame['price'].astype(float)
frame['day'] = pd.to_datetime(frame['day']).astype('datetime64[ms]')
frame['flag'] = frame['flag'].astype('boolean')
frame['f64_null'] = frame['f64_null'].astype('Float64')
fastparquet.write(os.path.join(OUT, 'fastparquet.parquet'), frame, compression='SNAPPY',
                  row_group_offsets=50, times='int64')
note('fastparquet.parquet', f'fastparquet {fastparquet.__version__}, snappy; day as a timestamp', 'at_ms')

polars_frame = pl.from_arrow(table)
polars_frame.write_parquet(os.path.join(OUT, 'polars.parquet'), compression='zstd', row_group_size=50)
note('polars.parquet', f'polars {pl.__version__}, zstd', 'at_us')

with open(os.path.join(OUT, 'expected.json'), 'w') as handle:
    json.dump(expected, handle, indent=1, ensure_ascii=False)
    handle.write('\n')
print('wrote', sorted(os.listdir(OUT)))
