import { toMicros } from '../money/money.js';
import type { Money } from '../money/money-type.js';
import { type Catalog, type CatalogEntry, type CatalogMetadata, createCatalog } from './catalog.js';

/**
 * Provenance of the shipped catalog. The prices are list prices as shown on the providers' public
 * pricing pages around the `asOf` date, written down from those pages without a live fetch, so they are
 * approximate; spot prices move hourly and are typical values only. Load your own catalog (SkyPilot's
 * catalog CSVs work as they are) when accuracy matters.
 */
export const DEFAULT_CATALOG_METADATA: CatalogMetadata = Object.freeze({
  name: 'mlinfra shipped catalog',
  asOf: '2025-01-15',
  currency: 'USD',
  sources: [
    'https://aws.amazon.com/ec2/pricing/on-demand/',
    'https://aws.amazon.com/ec2/spot/pricing/',
    'https://cloud.google.com/compute/vm-instance-pricing',
    'https://cloud.google.com/compute/gpus-pricing',
    'https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/',
  ],
  notes:
    "Approximate list prices (USD per instance-hour, Linux, no discounts or commitments) taken from the providers' public pricing pages as of 2025-01-15; not fetched live. Spot/preemptible prices are typical values and change hourly. Regional prices outside us-east-1/us-central1/eastus are approximations. Load your own catalog with loadCatalog() for accurate numbers.",
}) as CatalogMetadata;

// provider, instance type, region, vCPUs, memory GiB, accelerator, count, accelerator GiB, on-demand, spot
type Row = [string, string, string, number, number, string, number, number, number, number | null];

const ROWS: Row[] = [
  // AWS: P3 (V100), P4d/P4de (A100), P5 (H100), G4dn (T4), G5 (A10G), G6 (L4), C6i, M6i.
  ['aws', 'p3.2xlarge', 'us-east-1', 8, 61, 'V100', 1, 16, 3.06, 0.92],
  ['aws', 'p3.8xlarge', 'us-east-1', 32, 244, 'V100', 4, 16, 12.24, 3.67],
  ['aws', 'p3.16xlarge', 'us-east-1', 64, 488, 'V100', 8, 16, 24.48, 7.34],
  ['aws', 'p3dn.24xlarge', 'us-east-1', 96, 768, 'V100', 8, 32, 31.212, 9.36],
  ['aws', 'p4d.24xlarge', 'us-east-1', 96, 1152, 'A100', 8, 40, 32.7726, 12.0],
  ['aws', 'p4de.24xlarge', 'us-east-1', 96, 1152, 'A100-80GB', 8, 80, 40.9657, 15.0],
  ['aws', 'p5.48xlarge', 'us-east-1', 192, 2048, 'H100', 8, 80, 98.32, 35.0],
  ['aws', 'g4dn.xlarge', 'us-east-1', 4, 16, 'T4', 1, 16, 0.526, 0.21],
  ['aws', 'g4dn.2xlarge', 'us-east-1', 8, 32, 'T4', 1, 16, 0.752, 0.28],
  ['aws', 'g4dn.4xlarge', 'us-east-1', 16, 64, 'T4', 1, 16, 1.204, 0.45],
  ['aws', 'g4dn.12xlarge', 'us-east-1', 48, 192, 'T4', 4, 16, 3.912, 1.5],
  ['aws', 'g4dn.metal', 'us-east-1', 96, 384, 'T4', 8, 16, 7.824, 2.9],
  ['aws', 'g5.xlarge', 'us-east-1', 4, 16, 'A10G', 1, 24, 1.006, 0.4],
  ['aws', 'g5.2xlarge', 'us-east-1', 8, 32, 'A10G', 1, 24, 1.212, 0.48],
  ['aws', 'g5.4xlarge', 'us-east-1', 16, 64, 'A10G', 1, 24, 1.624, 0.65],
  ['aws', 'g5.12xlarge', 'us-east-1', 48, 192, 'A10G', 4, 24, 5.672, 2.2],
  ['aws', 'g5.48xlarge', 'us-east-1', 192, 768, 'A10G', 8, 24, 16.288, 6.0],
  ['aws', 'g6.xlarge', 'us-east-1', 4, 16, 'L4', 1, 24, 0.8048, 0.33],
  ['aws', 'g6.2xlarge', 'us-east-1', 8, 32, 'L4', 1, 24, 0.9776, 0.4],
  ['aws', 'g6.12xlarge', 'us-east-1', 48, 192, 'L4', 4, 24, 4.6016, 1.85],
  ['aws', 'g6.48xlarge', 'us-east-1', 192, 768, 'L4', 8, 24, 13.3504, 5.3],
  ['aws', 'c6i.xlarge', 'us-east-1', 4, 8, '', 0, 0, 0.17, 0.068],
  ['aws', 'c6i.2xlarge', 'us-east-1', 8, 16, '', 0, 0, 0.34, 0.136],
  ['aws', 'c6i.4xlarge', 'us-east-1', 16, 32, '', 0, 0, 0.68, 0.272],
  ['aws', 'm6i.large', 'us-east-1', 2, 8, '', 0, 0, 0.096, 0.038],
  ['aws', 'm6i.xlarge', 'us-east-1', 4, 16, '', 0, 0, 0.192, 0.077],
  ['aws', 'm6i.2xlarge', 'us-east-1', 8, 32, '', 0, 0, 0.384, 0.154],
  ['aws', 'm6i.4xlarge', 'us-east-1', 16, 64, '', 0, 0, 0.768, 0.307],
  ['aws', 'p3.2xlarge', 'us-west-2', 8, 61, 'V100', 1, 16, 3.06, 0.98],
  ['aws', 'p3.8xlarge', 'us-west-2', 32, 244, 'V100', 4, 16, 12.24, 3.9],
  ['aws', 'p4d.24xlarge', 'us-west-2', 96, 1152, 'A100', 8, 40, 32.7726, 11.5],
  ['aws', 'p5.48xlarge', 'us-west-2', 192, 2048, 'H100', 8, 80, 98.32, 33.0],
  ['aws', 'g4dn.xlarge', 'us-west-2', 4, 16, 'T4', 1, 16, 0.526, 0.19],
  ['aws', 'g4dn.12xlarge', 'us-west-2', 48, 192, 'T4', 4, 16, 3.912, 1.4],
  ['aws', 'g5.xlarge', 'us-west-2', 4, 16, 'A10G', 1, 24, 1.006, 0.38],
  ['aws', 'g5.12xlarge', 'us-west-2', 48, 192, 'A10G', 4, 24, 5.672, 2.1],
  ['aws', 'g6.xlarge', 'us-west-2', 4, 16, 'L4', 1, 24, 0.8048, 0.31],
  ['aws', 'c6i.4xlarge', 'us-west-2', 16, 32, '', 0, 0, 0.68, 0.26],
  ['aws', 'm6i.xlarge', 'us-west-2', 4, 16, '', 0, 0, 0.192, 0.074],
  // GCP: A2 (A100), A3 (H100), G2 (L4), N1 with attached T4/V100 (named machine+countxGPU), N2.
  ['gcp', 'a2-highgpu-1g', 'us-central1', 12, 85, 'A100', 1, 40, 3.673, 1.1],
  ['gcp', 'a2-highgpu-2g', 'us-central1', 24, 170, 'A100', 2, 40, 7.347, 2.2],
  ['gcp', 'a2-highgpu-4g', 'us-central1', 48, 340, 'A100', 4, 40, 14.694, 4.41],
  ['gcp', 'a2-highgpu-8g', 'us-central1', 96, 680, 'A100', 8, 40, 29.387, 8.82],
  ['gcp', 'a2-ultragpu-1g', 'us-central1', 12, 170, 'A100-80GB', 1, 80, 5.069, 1.6],
  ['gcp', 'a2-ultragpu-8g', 'us-central1', 96, 1360, 'A100-80GB', 8, 80, 40.55, 12.8],
  ['gcp', 'a3-highgpu-8g', 'us-central1', 208, 1872, 'H100', 8, 80, 88.25, 26.5],
  ['gcp', 'g2-standard-4', 'us-central1', 4, 16, 'L4', 1, 24, 0.7068, 0.28],
  ['gcp', 'g2-standard-8', 'us-central1', 8, 32, 'L4', 1, 24, 0.8536, 0.34],
  ['gcp', 'g2-standard-48', 'us-central1', 48, 192, 'L4', 4, 24, 3.9996, 1.6],
  ['gcp', 'n1-standard-8+1xT4', 'us-central1', 8, 30, 'T4', 1, 16, 0.73, 0.22],
  ['gcp', 'n1-standard-16+2xT4', 'us-central1', 16, 60, 'T4', 2, 16, 1.46, 0.44],
  ['gcp', 'n1-standard-8+1xV100', 'us-central1', 8, 30, 'V100', 1, 16, 2.86, 0.82],
  ['gcp', 'n1-standard-32+4xV100', 'us-central1', 32, 120, 'V100', 4, 16, 11.44, 3.28],
  ['gcp', 'n2-standard-4', 'us-central1', 4, 16, '', 0, 0, 0.194236, 0.047],
  ['gcp', 'n2-standard-8', 'us-central1', 8, 32, '', 0, 0, 0.388472, 0.094],
  ['gcp', 'n2-standard-16', 'us-central1', 16, 64, '', 0, 0, 0.776944, 0.188],
  ['gcp', 'a2-highgpu-1g', 'europe-west4', 12, 85, 'A100', 1, 40, 3.748, 1.2],
  ['gcp', 'a2-highgpu-8g', 'europe-west4', 96, 680, 'A100', 8, 40, 29.98, 9.6],
  ['gcp', 'a3-highgpu-8g', 'europe-west4', 208, 1872, 'H100', 8, 80, 97.0, 29.0],
  ['gcp', 'g2-standard-4', 'europe-west4', 4, 16, 'L4', 1, 24, 0.778, 0.31],
  ['gcp', 'n1-standard-8+1xT4', 'europe-west4', 8, 30, 'T4', 1, 16, 0.79, 0.24],
  ['gcp', 'n2-standard-8', 'europe-west4', 8, 32, '', 0, 0, 0.4275, 0.104],
  // Azure: NCv3 (V100), NCasT4_v3 (T4), NC A100 v4, ND A100 v4, ND H100 v5, NVadsA10 v5, Dsv5.
  ['azure', 'Standard_NC6s_v3', 'eastus', 6, 112, 'V100', 1, 16, 3.06, 0.92],
  ['azure', 'Standard_NC24s_v3', 'eastus', 24, 448, 'V100', 4, 16, 12.24, 3.67],
  ['azure', 'Standard_NC4as_T4_v3', 'eastus', 4, 28, 'T4', 1, 16, 0.526, 0.16],
  ['azure', 'Standard_NC8as_T4_v3', 'eastus', 8, 56, 'T4', 1, 16, 0.752, 0.23],
  ['azure', 'Standard_NC64as_T4_v3', 'eastus', 64, 440, 'T4', 4, 16, 4.352, 1.31],
  ['azure', 'Standard_NC24ads_A100_v4', 'eastus', 24, 220, 'A100-80GB', 1, 80, 3.673, 1.47],
  ['azure', 'Standard_NC96ads_A100_v4', 'eastus', 96, 880, 'A100-80GB', 4, 80, 14.692, 5.88],
  ['azure', 'Standard_ND96asr_v4', 'eastus', 96, 900, 'A100', 8, 40, 27.197, 10.9],
  ['azure', 'Standard_ND96amsr_A100_v4', 'eastus', 96, 1900, 'A100-80GB', 8, 80, 32.77, 13.1],
  ['azure', 'Standard_ND96isr_H100_v5', 'eastus', 96, 1900, 'H100', 8, 80, 98.32, 39.3],
  ['azure', 'Standard_NV36ads_A10_v5', 'eastus', 36, 440, 'A10', 1, 24, 3.2, 0.96],
  ['azure', 'Standard_NV72ads_A10_v5', 'eastus', 72, 880, 'A10', 2, 24, 6.52, 1.96],
  ['azure', 'Standard_D4s_v5', 'eastus', 4, 16, '', 0, 0, 0.192, 0.038],
  ['azure', 'Standard_D8s_v5', 'eastus', 8, 32, '', 0, 0, 0.384, 0.077],
  ['azure', 'Standard_D16s_v5', 'eastus', 16, 64, '', 0, 0, 0.768, 0.154],
  ['azure', 'Standard_NC6s_v3', 'westeurope', 6, 112, 'V100', 1, 16, 3.366, 1.01],
  ['azure', 'Standard_NC4as_T4_v3', 'westeurope', 4, 28, 'T4', 1, 16, 0.584, 0.18],
  ['azure', 'Standard_NC24ads_A100_v4', 'westeurope', 24, 220, 'A100-80GB', 1, 80, 4.04, 1.62],
  ['azure', 'Standard_ND96amsr_A100_v4', 'westeurope', 96, 1900, 'A100-80GB', 8, 80, 36.05, 14.4],
  ['azure', 'Standard_D8s_v5', 'westeurope', 8, 32, '', 0, 0, 0.432, 0.086],
];

const usd = (amount: number): Money => ({ micros: toMicros(amount, 'price'), currency: 'USD' });

let cached: Catalog | undefined;

/**
 * The catalog shipped with the package: GPU and CPU instance types of AWS, GCP and Azure in one or two
 * regions each, in USD per instance-hour. Approximate list prices as of
 * {@link DEFAULT_CATALOG_METADATA}`.asOf`; see its `notes`. GCP GPUs attached to N1 machines are listed
 * as `<machine>+<count>x<GPU>` (e.g. `n1-standard-8+1xT4`) with the machine and GPU prices summed.
 */
export function defaultCatalog(): Catalog {
  cached ??= createCatalog(
    ROWS.map(
      ([
        provider,
        instanceType,
        region,
        vcpus,
        memoryGiB,
        accelerator,
        count,
        acceleratorGiB,
        price,
        spot,
      ]) => {
        const entry: CatalogEntry = {
          provider,
          instanceType,
          region,
          vcpus,
          memoryGiB,
          acceleratorCount: count,
          price: usd(price),
        };
        if (accelerator !== '') {
          entry.acceleratorName = accelerator;
          entry.acceleratorMemoryGiB = acceleratorGiB;
        }
        if (spot !== null) entry.spotPrice = usd(spot);
        return Object.freeze(entry);
      },
    ),
    DEFAULT_CATALOG_METADATA,
  );
  return cached;
}
