/** The shape of lib/viewer/assets.generated.ts (written by viewer/build.ts). */
export interface ViewerAsset {
  contentType: string;
  body: string;
}

export interface ViewerAssets {
  /** The page; it names its script and style under `assets/`. */
  html: string;
  /** By file name, each name carrying a hash of its content. */
  assets: Record<string, ViewerAsset>;
}
