import gcoord from 'gcoord';

/** The registry's WGS-84 point as GCJ-02 [lon, lat]: the datum of the district outlines (AMap) and of Chinese map apps. */
export const toGcj02 = (p: { lat: number; lon: number }): [number, number] => gcoord.transform([p.lon, p.lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
