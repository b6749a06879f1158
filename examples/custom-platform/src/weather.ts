import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One day of Seattle weather (vega-datasets seattle-weather.csv). */
export type Day = {
  date: string;
  precipitation: number;
  temp_max: number;
  temp_min: number;
  wind: number;
  weather: string;
};

/** Reads seattle-weather.csv from the vega-datasets package (its exports hide data/, so go from its entry). */
export async function loadDays(): Promise<Day[]> {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  const text = await readFile(join(dirname(dirname(entry)), 'data', 'seattle-weather.csv'), 'utf8');
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [date, precipitation, tempMax, tempMin, wind, weather] = line.split(',');
      return {
        date: date!,
        precipitation: Number(precipitation),
        temp_max: Number(tempMax),
        temp_min: Number(tempMin),
        wind: Number(wind),
        weather: weather!,
      };
    });
}

/** The four request features of a day. */
export function features(day: Day): Record<string, number> {
  return {
    precipitation: day.precipitation,
    temp_max: day.temp_max,
    temp_min: day.temp_min,
    wind: day.wind,
  };
}
