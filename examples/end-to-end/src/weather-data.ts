import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One day of Seattle weather, as shipped in `vega-datasets` (data/seattle-weather.csv). */
// A type alias (not an interface) so a day is a `Record<string, unknown>` row for commit().
export type WeatherDay = {
  /** Day, `YYYY-MM-DD`. Unique: the split key. */
  date: string;
  /** Calendar month, 1 to 12. */
  month: number;
  /** Precipitation in mm. */
  precipitation: number;
  /** Daily maximum temperature in degrees Celsius. */
  temp_max: number;
  /** Daily minimum temperature in degrees Celsius. */
  temp_min: number;
  /** Mean wind speed in m/s. */
  wind: number;
  /** Observed weather: drizzle, fog, rain, snow or sun. The label. */
  weather: string;
};

/** The weather classes, in the model's output order. */
export const WEATHER_CLASSES = ['drizzle', 'fog', 'rain', 'snow', 'sun'] as const;

/** Where `vega-datasets` keeps seattle-weather.csv (its `exports` hide `data/`, so go from its entry). */
export function seattleWeatherPath(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('vega-datasets');
  // entry is <package>/build/index.js (or .cjs); data/ sits next to build/.
  return join(dirname(dirname(entry)), 'data', 'seattle-weather.csv');
}

/** Reads and parses seattle-weather.csv (1,461 days, 2012-01-01 to 2015-12-31). */
export async function loadSeattleWeather(path = seattleWeatherPath()): Promise<WeatherDay[]> {
  const text = await readFile(path, 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header!.split(',');
  const expected = ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather'];
  if (names.join(',') !== expected.join(',')) {
    throw new Error(
      `${path} has columns ${names.join(',')}; expected ${expected.join(',')} (vega-datasets 3.2.1)`,
    );
  }
  return lines.map((line) => {
    const [date, precipitation, tempMax, tempMin, wind, weather] = line.split(',');
    return {
      date: date!,
      month: Number(date!.slice(5, 7)),
      precipitation: Number(precipitation),
      temp_max: Number(tempMax),
      temp_min: Number(tempMin),
      wind: Number(wind),
      weather: weather!,
    };
  });
}
