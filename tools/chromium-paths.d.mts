export declare const INSTALL_HINT: string;
export declare const SYSTEM_CHROMIUM: string[];
