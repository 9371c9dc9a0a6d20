// What an inspection visit checks besides the equipment list: site conditions of the plan that only
// a person on the spot can see (附件2 item 4: 醒目标识; the plan's site rules: ground floor, facing the street).

export const SITE_CHECKS = ['signage', 'street_facing_ground_floor'] as const;
export type SiteCheck = (typeof SITE_CHECKS)[number];

export const SITE_CHECK_NAMES: Record<SiteCheck, { zh: string; en: string }> = {
  signage: { zh: '醒目标识', en: 'Prominent signage' },
  street_facing_ground_floor: { zh: '一楼临街', en: 'Ground floor, facing the street' },
};

/** Photo types an inspection accepts, and the largest photo. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
